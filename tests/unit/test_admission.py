"""The busy answer (`provincial_api.admission`): the rule, and the server answering with it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from central_api_client.api_errors import ServerError
from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk.seal import Sealer, load_device_key
from kiosk.sync.backoff import BUSY_JITTER, BUSY_JITTER_MAX_S, BUSY_MIN_WAIT_S, busy_delay
from provincial_api.admission import MAX_APPOINTMENT_S, Pacer
from provincial_api.app import create_app
from tests.synthetic_records import make_record

MB = 1_000_000


def test_uploads_are_taken_on_up_to_the_limit_then_given_spaced_appointments() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=10 * MB, min_admitted_bytes=0)  # limit 5 MB
    assert [pacer.admit(MB, 100.0) for _ in range(5)] == [None] * 5
    assert pacer.in_progress == 5 * MB
    waits = [pacer.admit(MB, 100.0) for _ in range(3)]
    # Room for the 6th after 0.1 s of work; each next one a megabyte (0.1 s) after it.
    assert waits == pytest.approx([0.1, 0.2, 0.3])
    assert pacer.in_progress == 5 * MB  # appointments are not work in progress
    pacer.done(MB, 100.1)
    assert pacer.admit(MB, 100.1) is None  # the first appointment kept finds room


def test_an_idle_server_takes_any_upload_and_appointments_are_capped() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=1_000, min_admitted_bytes=0)
    assert pacer.admit(50 * MB, 0.0) is None  # larger than the limit, but nothing else runs
    assert pacer.admit(50 * MB, 0.0) == MAX_APPOINTMENT_S


def test_the_rate_is_measured_while_the_server_has_enough_to_do() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=10 * MB, min_admitted_bytes=0)  # limit 5 MB
    for _ in range(5):
        pacer.admit(MB, 0.0)
    for i in range(1, 4):  # a megabyte answered, and another taken on, every 0.25 s
        pacer.done(MB, i * 0.25)
        assert pacer.admit(MB, i * 0.25) is None
    pacer.done(MB, 1.0)
    # 4 MB answered in the second it had work waiting: it does 4 MB/s, not the 10 guessed.
    assert pacer.rate_bps == pytest.approx(0.5 * 10 * MB + 0.5 * 4 * MB)
    assert pacer.limit == pytest.approx(3.5 * MB)  # and takes on less at once


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_kiosk_keeps_the_appointment_a_little_late_never_early(seed: int) -> None:
    import random

    print(f"seed {seed}")
    rand = random.Random(seed)
    for told in (0.0, 0.1, 0.7, 3.0, 30.0):
        wait = busy_delay(told, rand)
        floor = max(told, BUSY_MIN_WAIT_S)
        assert floor <= wait <= floor + min(floor * BUSY_JITTER, BUSY_JITTER_MAX_S)


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(tmp_path / "server.sqlite", dev_enrol=True, busy_after_s=0.5)
    app.state.pacer.min_admitted_bytes = 0
    return app


def _client(http: httpx.Client, app, tmp_path: Path) -> tuple[ProvincialApiClient, Sealer]:
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))
    client = ProvincialApiClient("http://testserver", auth=auth, http=http,
                                 receipt_key=app.state.receipts.public_key)
    return client, sealer


def test_a_busy_server_answers_503_with_the_appointment_and_stores_nothing(app, tmp_path):
    with TestClient(app) as http:
        client, sealer = _client(http, app, tmp_path)
        sealed = sealer.seal(make_record(photo_bytes=2_000))
        app.state.pacer.in_progress = 10**12  # as if a backlog were being worked through
        answer = http.put(f"/v1/records/{sealed.record_id}", content=b"{}",
                          headers={"content-type": "application/json"})
        # Before anything else: an unsigned request is told busy, not unauthenticated.
        assert answer.status_code == 503 and answer.json()["error"] == "busy"
        told = answer.json()["retry_after_s"]
        assert 0 < told <= MAX_APPOINTMENT_S
        assert int(answer.headers["retry-after"]) >= told
        with pytest.raises(ServerError) as raised:
            client.put_records([sealed])
        assert raised.value.busy and raised.value.retry_after_s is not None
        assert raised.value.retry_after_s == pytest.approx(told, abs=1.0)
        assert app.state.store.get(sealed.record_id, "SIM-0001") is None

        app.state.pacer.in_progress = 0  # caught up
        (ack,) = client.put_records([sealed])
        assert ack.created
        assert app.state.pacer.in_progress == 0  # the admitted upload was accounted for


def test_other_routes_are_never_told_busy(app, tmp_path):
    with TestClient(app) as http:
        app.state.pacer.in_progress = 10**12
        assert http.get("/v1/health").status_code == 200
        assert http.post("/v1/heartbeat", content=b"{}").status_code == 401  # unsigned


def test_a_non_busy_503_or_a_bare_retry_after_is_no_appointment() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": "no_storage", "reason": "r"},
                              headers={"Retry-After": "7"})

    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(answer))
    with pytest.raises(ServerError) as raised:
        ProvincialApiClient("http://x", http=http).health()
    assert raised.value.retry_after_s == 7.0 and not raised.value.busy
