"""The busy answer (`provincial_api.admission`): the rule, and the server answering with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from central_api_client.api_errors import ServerError
from central_api_client.client import DeviceAuth, ProvincialApiClient
from central_api_client.contract import MAX_BATCH_BODY_BYTES
from kiosk.seal import Sealer, load_device_key
from kiosk.sync.backoff import BUSY_JITTER, BUSY_JITTER_MAX_S, BUSY_MIN_WAIT_S, busy_delay
from provincial_api.admission import AdmissionMiddleware
from provincial_api.app import create_app
from provincial_api.pacer import MAX_APPOINTMENT_S, MIN_RATE_BPS, Pacer
from tests.synthetic_records import make_record

MB = 1_000_000


def _work(pacer: Pacer, size: int, now: float) -> float | None:
    """An upload whose body arrives at once: announced, then arrived."""
    wait = pacer.arriving(size, now)
    return wait if wait is not None else pacer.arrived(size, now)


def test_uploads_are_worked_on_up_to_the_limit_then_given_spaced_appointments() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=10 * MB, min_admitted_bytes=0)  # limit 5 MB
    assert [_work(pacer, MB, 100.0) for _ in range(5)] == [None] * 5
    assert pacer.working == 5 * MB
    waits = [_work(pacer, MB, 100.0) for _ in range(3)]
    # Room for the 6th after 0.1 s of work; each next one a megabyte (0.1 s) after it.
    assert waits == pytest.approx([0.1, 0.2, 0.3])
    assert (pacer.working, pacer.receiving, pacer.turned_away) == (5 * MB, 0, 3)
    pacer.done(MB, 100.1)
    assert _work(pacer, MB, 100.1) is None  # the first appointment kept finds room


def test_bodies_still_arriving_are_bounded_apart_and_release_what_they_held() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=10 * MB, min_admitted_bytes=0)  # limit 5 MB
    assert [pacer.arriving(MB, 0.0) for _ in range(5)] == [None] * 5  # as much as the limit
    assert pacer.arriving(MB, 0.0) is not None  # then busy at once, body unread
    for _ in range(5):
        pacer.abandoned(MB)  # clients that stalled or left hold nothing
    assert (pacer.receiving, pacer.working) == (0, 0)
    assert _work(pacer, MB, 1.0) is None


def test_an_upload_larger_than_the_room_usually_left_is_not_starved() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=10 * MB, min_admitted_bytes=0)  # limit 5 MB
    assert _work(pacer, 3 * MB, 0.0) is None
    assert _work(pacer, 4 * MB, 0.0) is not None  # does not fit: an appointment
    pacer.done(MB, 0.1)  # 2 MB of work left: under half the limit
    assert _work(pacer, 4 * MB, 0.1) is None  # taken on, over the limit by this one
    assert _work(pacer, MB, 0.1) is not None


def test_an_idle_server_takes_any_upload_and_appointments_are_capped() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=1e6, min_admitted_bytes=0)
    assert _work(pacer, 50 * MB, 0.0) is None  # larger than the limit, but nothing else runs
    waits = [_work(pacer, 50 * MB, 0.0) for _ in range(3)]
    assert waits == [MAX_APPOINTMENT_S] * 3  # never further out, however many ask


def test_the_rate_is_measured_while_the_server_has_enough_work() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=10 * MB, min_admitted_bytes=0)  # limit 5 MB
    for _ in range(5):
        _work(pacer, MB, 0.0)
    for i in range(1, 4):  # a megabyte answered, and another taken on, every 0.25 s
        pacer.done(MB, i * 0.25)
        assert _work(pacer, MB, i * 0.25) is None
    pacer.done(MB, 1.0)
    # 4 MB answered in the second it had work waiting: it does 4 MB/s, not the 10 guessed.
    assert pacer.rate_bps == pytest.approx(0.5 * 10 * MB + 0.5 * 4 * MB)
    assert pacer.limit == pytest.approx(3.5 * MB)  # and takes on less at once


def test_slow_bodies_or_empty_uploads_do_not_teach_it_a_slow_rate() -> None:
    pacer = Pacer(max_wait_s=0.5, rate_bps=10 * MB, min_admitted_bytes=0)
    for _ in range(5):  # five uploads over slow links: their bodies take seconds to arrive
        pacer.arriving(MB, 0.0)
    for i in range(5):  # ... each worked on at once when it does: no work waited
        pacer.arrived(MB, 2.0 + i)
        pacer.done(MB, 2.01 + i)
    assert pacer.rate_bps == 10 * MB
    for _ in range(5):
        _work(pacer, MB, 10.0)
    for i in range(40):  # zero-byte uploads while it has work cannot take the rate to nothing
        _work(pacer, 0, 10.0 + i)
        pacer.done(0, 10.0 + i)
    assert pacer.rate_bps >= MIN_RATE_BPS


def _upload_scope(length: int) -> dict:
    return {"type": "http", "method": "POST", "path": "/v1/records:batch",
            "headers": [(b"content-length", str(length).encode())]}


def _run(middleware: AdmissionMiddleware, scope: dict, messages: list[dict] | None) -> list:
    """The middleware given `messages` as the request (None: a body that never arrives)."""
    sent: list[dict] = []

    async def receive() -> dict:
        if messages is None:
            await asyncio.sleep(3600)
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


async def _ok_app(scope, receive, send) -> None:
    message = await receive()
    assert message["body"] == b"x" * 10 and not message["more_body"]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_a_body_that_stops_arriving_is_dropped_with_408_and_holds_nothing() -> None:
    pacer = Pacer()
    middleware = AdmissionMiddleware(_ok_app, pacer, body_idle_s=0.05)
    sent = _run(middleware, _upload_scope(10), None)
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert (pacer.receiving, pacer.working) == (0, 0)


def test_an_upload_holds_nothing_once_answered_failed_or_left() -> None:
    pacer = Pacer()
    body = [{"type": "http.request", "body": b"x" * 5, "more_body": True},
            {"type": "http.request", "body": b"x" * 5, "more_body": False}]
    sent = _run(AdmissionMiddleware(_ok_app, pacer), _upload_scope(10), list(body))
    assert sent[0]["status"] == 200  # the app got the body whole, as one message

    async def failing(scope, receive, send) -> None:
        await receive()
        raise RuntimeError("the app failed")

    with pytest.raises(RuntimeError):
        _run(AdmissionMiddleware(failing, pacer), _upload_scope(10), list(body))
    assert _run(AdmissionMiddleware(_ok_app, pacer), _upload_scope(10), body[:1]) == []  # left
    assert (pacer.receiving, pacer.working) == (0, 0)


def test_a_body_over_the_limit_is_refused_as_such_even_when_busy(app, tmp_path) -> None:
    with TestClient(app) as http:
        app.state.pacer.working = 10**12
        answer = http.post("/v1/records:batch", content=b"x" * (MAX_BATCH_BODY_BYTES + 1),
                           headers={"content-type": "application/json"})
        assert answer.status_code == 413 and answer.json()["error"] == "too_large"


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
        app.state.pacer.working = 10**12  # as if a backlog were being worked through
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

        app.state.pacer.working = 0  # caught up
        (ack,) = client.put_records([sealed])
        assert ack.created
        pacer = app.state.pacer
        assert (pacer.working, pacer.receiving) == (0, 0)  # the upload was accounted for


def test_other_routes_are_never_told_busy(app, tmp_path):
    with TestClient(app) as http:
        app.state.pacer.working = 10**12
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
