"""The reference server in process (TestClient), driven through the real client."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from central_api_client.client import (
    DeviceAuth,
    ProvincialApiClient,
    RejectedError,
    ServerError,
    ServerUnreachableError,
    UnexpectedResponseError,
)
from central_api_client.contract import MAX_BODY_BYTES
from kiosk.seal import SealedRecord, Sealer, load_device_key
from provincial_api.app import create_app
from provincial_api.domain import raw_public_key
from provincial_api.sqlite_registry import SqliteRegistry
from tests.synthetic_records import make_record


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")


@pytest.fixture
def http(tmp_path: Path, sealer: Sealer):
    db = tmp_path / "server.sqlite"
    SqliteRegistry(db).add("SIM-0001", raw_public_key(sealer.device_public_key), "t", "operator")
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def auth(tmp_path: Path, sealer: Sealer) -> DeviceAuth:
    return DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"), send_public_key=False)


@pytest.fixture
def client(http: TestClient, auth: DeviceAuth) -> ProvincialApiClient:
    return ProvincialApiClient("http://testserver", auth=auth, http=http,
                               receipt_key=http.app.state.receipts.public_key)


@pytest.fixture
def sealed(sealer: Sealer) -> SealedRecord:
    return sealer.seal(make_record(photo_bytes=2000))


def test_put_then_get(client: ProvincialApiClient, sealed: SealedRecord) -> None:
    ack = client.put_record(sealed)
    assert (ack.record_id, ack.sha256, ack.created) == (sealed.record_id, sealed.sha256, True)
    meta = client.get_record(sealed.record_id)
    assert meta is not None and meta.sha256 == sealed.sha256 and meta.size == sealed.size
    assert meta.received_at == ack.received_at
    assert [m.record_id for m in client.device_records("SIM-0001")] == [sealed.record_id]
    with pytest.raises(RejectedError) as info:
        client.device_records("SIM-0002")  # another device's records are not this one's to see
    assert (info.value.status, info.value.code) == (403, "device_mismatch")
    assert client.health()["status"] == "ok"


def test_repeated_put_returns_the_first_ack(client: ProvincialApiClient, sealed) -> None:
    first = client.put_record(sealed)
    again = client.put_record(sealed)
    assert again.created is False and again.received_at == first.received_at


def test_same_id_other_blob_is_a_conflict(client, sealer: Sealer, sealed) -> None:
    client.put_record(sealed)
    record = make_record(photo_bytes=2000)
    other = sealer.seal(dataclasses.replace(record, record_id=sealed.record_id))
    with pytest.raises(RejectedError) as info:
        client.put_record(other)
    assert (info.value.status, info.value.code) == (409, "conflict")


def test_unknown_record_is_none(client: ProvincialApiClient) -> None:
    assert client.get_record("01900000-0000-7000-8000-000000000000") is None


def test_tampered_blob_is_rejected_with_a_reason(client, sealed) -> None:
    blob = sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1])
    with pytest.raises(RejectedError) as info:
        client.put_record(dataclasses.replace(sealed, blob=blob))
    assert (info.value.status, info.value.code) == (422, "sha256_mismatch")


def test_record_signed_by_another_key_is_rejected(client, tmp_path: Path) -> None:
    """The request is signed by the enrolled key, the record by another: the record is refused."""
    other = Sealer.from_keys_dir(tmp_path / "other", "SIM-0001")
    with pytest.raises(RejectedError) as info:
        client.put_record(other.seal(make_record(photo_bytes=500)))
    assert (info.value.status, info.value.code) == (422, "invalid_signature")


def _body(sealed: SealedRecord, key: bytes = b"") -> dict[str, object]:
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return {
        "device_id": sealed.device_id,
        "workflow": sealed.workflow,
        "created_at": sealed.created_at,
        "size": sealed.size,
        "sha256": sealed.sha256,
        "blob": b64(sealed.blob),
        "signature": b64(sealed.signature),
    }


@pytest.mark.parametrize(
    "change,status,code",
    [
        ({"size": "12"}, 422, "invalid_record"),
        ({"sha256": "ABC"}, 422, "invalid_record"),
        ({"created_at": "2026-11-24T02:00:00"}, 422, "invalid_record"),
        ({"blob": "!!!not base64!!!" * 10}, 422, "invalid_base64"),
        ({"extra": 1}, 422, "invalid_record"),
        ({"device_id": "../../etc"}, 422, "invalid_record"),
    ],
)
def test_invalid_bodies(http, auth, sealed, change, status, code) -> None:
    body = {**_body(sealed), **change}
    response = http.put(f"/v1/records/{sealed.record_id}", json=body, auth=auth)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert "\"input\"" not in response.text  # pydantic echoes the submitted value; not here


def test_bad_record_id_in_path(http, auth, sealed) -> None:
    response = http.put("/v1/records/NOT-A-UUID", json=_body(sealed), auth=auth)
    assert response.status_code == 422 and "record_id" in response.json()["reason"]


def test_oversized_body_is_refused_before_reading(http) -> None:
    response = http.put(
        "/v1/records/01900000-0000-7000-8000-000000000000",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_oversized_chunked_body_is_refused(http) -> None:
    def chunks():
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    response = http.put(
        "/v1/records/01900000-0000-7000-8000-000000000000",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


# -- how the client classifies failures ------------------------------------------------------


def _client_answering(handler) -> ProvincialApiClient:
    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(handler))
    return ProvincialApiClient("http://x", http=http,
                               receipt_key=Ed25519PrivateKey.generate().public_key())


def test_connection_refused_is_unreachable(sealed) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ServerUnreachableError):
        _client_answering(refuse).put_record(sealed)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_trouble_is_a_server_error(sealed, status: int) -> None:
    client = _client_answering(lambda r: httpx.Response(status, text="busy"))
    with pytest.raises(ServerError) as info:
        client.put_record(sealed)
    assert info.value.status == status and info.value.retry_after_s is None


@pytest.mark.parametrize(
    "header,expected",
    [("7", 7.0), ("999999", 3600.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None)],
)
def test_retry_after_is_read_in_both_forms_and_capped(sealed, header, expected) -> None:
    client = _client_answering(lambda r: httpx.Response(503, headers={"Retry-After": header}))
    with pytest.raises(ServerError) as info:
        client.put_record(sealed)
    assert info.value.retry_after_s == expected


def test_rejection_carries_the_servers_reason(sealed) -> None:
    body = {"error": "invalid_signature", "reason": "device signature does not verify"}
    client = _client_answering(lambda r: httpx.Response(422, json=body))
    with pytest.raises(RejectedError) as info:
        client.put_record(sealed)
    assert info.value.reason == "device signature does not verify"


def test_a_proxy_page_is_unexpected(sealed) -> None:
    client = _client_answering(lambda r: httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(UnexpectedResponseError):
        client.put_record(sealed)


def test_an_ack_for_another_hash_is_unexpected(sealed) -> None:
    ack = {"record_id": sealed.record_id, "received_at": "t", "sha256": "0" * 64}
    client = _client_answering(lambda r: httpx.Response(201, json=ack))
    with pytest.raises(UnexpectedResponseError):
        client.put_record(sealed)


# -- one wire type: the bodies follow records.py, the answers keep their codes ----------------


def test_request_bodies_take_their_bounds_from_the_record_type() -> None:
    from dataclasses import fields

    from central_api_client.records import SealedRecord as WireRecord
    from provincial_api.models import BatchRecord, b64_length

    schema = BatchRecord.model_json_schema()["properties"]
    for f in fields(WireRecord):
        bounds, field_schema = f.metadata["wire"], schema[f.name]
        assert field_schema["description"] == bounds["description"]
        if bounds.get("binary"):
            assert field_schema["maxLength"] == b64_length(bounds["max_bytes"])
        for key, name in (("pattern", "pattern"), ("max_length", "maxLength"),
                          ("ge", "minimum"), ("le", "maximum")):
            if key in bounds:
                assert field_schema[name] == bounds[key], (f.name, key)


@pytest.mark.parametrize("length", [10, 65, 96])
def test_a_signature_of_the_wrong_length_is_an_invalid_signature(http, auth, sealed,
                                                                 length: int) -> None:
    body = {**_body(sealed), "signature": base64.b64encode(b"s" * length).decode()}
    response = http.put(f"/v1/records/{sealed.record_id}", json=body, auth=auth)
    assert response.status_code == 422 and response.json()["error"] == "invalid_signature"


def test_a_batch_answers_each_record_in_the_order_sent(client, sealer: Sealer, tmp_path) -> None:
    good = [sealer.seal(make_record(photo_bytes=300)) for _ in range(2)]
    forged = Sealer.from_keys_dir(tmp_path / "other", "SIM-0001").seal(make_record(photo_bytes=300))
    outcomes = client.put_records([good[0], forged, good[1]])
    assert [getattr(o, "code", "ack") for o in outcomes] == ["ack", "invalid_signature", "ack"]
    raw = client.put_records([forged, good[0]])
    assert isinstance(raw[0], RejectedError) and not raw[1].created  # type: ignore[union-attr]


# -- provincial-api open: what was verified on the way in is checked again before opening ----


def test_open_prints_the_payload_and_refuses_a_record_changed_at_rest(
    client, sealed: SealedRecord, tmp_path: Path
) -> None:
    import json
    import sqlite3

    from click.testing import CliRunner

    from kiosk.seal import DEV_PROVINCE_PRIVATE_KEY_FILE
    from provincial_api.cli import cli

    client.put_record(sealed)
    db, key = tmp_path / "server.sqlite", tmp_path / "keys" / DEV_PROVINCE_PRIVATE_KEY_FILE
    args = ["open", sealed.record_id, "--key", str(key), "--db", str(db)]
    opened = CliRunner().invoke(cli, args)
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.output)["record_id"] == sealed.record_id

    with sqlite3.connect(db) as conn:  # a bit flipped on the server's disk
        conn.execute("UPDATE records SET blob = ? WHERE record_id = ?",
                     (sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1]), sealed.record_id))
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1 and "stored record does not verify" in refused.output
