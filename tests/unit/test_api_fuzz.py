"""Whatever a client sends to PUT /v1/records/{id}, the answer is a 4xx, never a 500."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_api_client.client import DeviceAuth
from provincial_api.app import create_app

RECORD_ID = "01900000-0000-7000-8000-000000000000"
FIELDS = ["device_id", "workflow", "created_at", "size", "sha256", "blob", "signature"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
b64_text = st.binary(max_size=120).map(lambda b: base64.b64encode(b).decode())
plausible = {
    "device_id": st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,70}\Z") | json_values,
    "workflow": st.sampled_from(["collect", "confirm", "adult-confirm", "", "X"]) | json_values,
    "created_at": st.sampled_from(["2026-11-24T02:00:00.000Z", "2026-11-24T02:00:00",
                                   "2026-02-30T00:00:00Z", "yesterday"]) | json_values,
    "size": st.integers(min_value=-10, max_value=3 * 2**20) | json_values,
    "sha256": st.from_regex(r"\A[0-9a-f]{64}\Z") | json_values,
    "blob": b64_text | json_values,
    "signature": b64_text | json_values,
}
# Mostly the right keys with wrong or random values; sometimes keys missing or added.
plausible_bodies = st.fixed_dictionaries(
    {}, optional={name: strategy for name, strategy in plausible.items()}
).flatmap(lambda d: st.dictionaries(st.text(max_size=12), json_values, max_size=2).map(
    lambda extra: {**extra, **d}))
bodies = plausible_bodies | json_values


# Signed by a device the dev server enrols, so every body reaches the parser (an unsigned one
# is refused before its body is read).
AUTH = DeviceAuth("SIM-0001", Ed25519PrivateKey.generate())


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory):
    db = Path(tmp_path_factory.mktemp("fuzz")) / "server.sqlite"
    with TestClient(create_app(db, dev_enrol=True), raise_server_exceptions=False) as client:
        yield client


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_any_json_body_gets_a_4xx(http: TestClient, body: object) -> None:
    response = http.put(f"/v1/records/{RECORD_ID}", content=json.dumps(body),
                        headers={"content-type": "application/json"}, auth=AUTH)
    assert 400 <= response.status_code < 500 and response.status_code != 401
    assert isinstance(response.json()["reason"], str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(bodies, min_size=1, max_size=4), body=json_values)
def test_any_batch_gets_an_answer_per_record_or_a_4xx(http: TestClient, items: list,
                                                      body: object) -> None:
    """Each record of a batch is judged on its own: a batch of junk is refused record by
    record, a body that is no batch at all as a whole; never a 500."""
    for payload in ({"records": items}, body):
        response = http.post("/v1/records:batch", content=json.dumps(payload),
                             headers={"content-type": "application/json"}, auth=AUTH)
        if response.status_code == 200:
            results = response.json()["results"]
            assert len(results) == len(items) and all(r["status"] >= 400 for r in results)
        else:
            assert 400 <= response.status_code < 500 and response.status_code != 401


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200), record_id=st.text(max_size=40))
def test_any_bytes_and_path_get_a_4xx(http: TestClient, raw: bytes, record_id: str) -> None:
    segment = quote(record_id, safe="") or "x"
    response = http.put(f"/v1/records/{segment}", content=raw,
                        headers={"content-type": "application/json"}, auth=AUTH)
    assert 400 <= response.status_code < 500


@st.composite
def well_formed_bodies(draw: st.DrawFn) -> dict[str, object]:
    """Bodies that pass every shape rule, so the hash, size, key and signature checks run."""
    blob = draw(st.binary(min_size=48, max_size=300))
    size = draw(st.sampled_from([len(blob), len(blob) + 1]))
    digest = hashlib.sha256(blob).hexdigest() if draw(st.booleans()) else "0" * 64
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return {
        "device_id": "SIM-0001",
        "workflow": "collect",
        "created_at": "2026-11-24T02:00:00.000Z",
        "size": size,
        "sha256": digest,
        "blob": b64(blob),
        "signature": b64(draw(st.binary(min_size=60, max_size=70))),
    }


@settings(max_examples=150, deadline=None)
@given(body=well_formed_bodies())
def test_well_formed_but_wrong_bodies_get_a_422(http: TestClient, body: dict) -> None:
    """Signed by an enrolled device, so the body's own checks are what answers."""
    response = http.put(f"/v1/records/{RECORD_ID}", json=body, auth=AUTH)
    assert response.status_code == 422
