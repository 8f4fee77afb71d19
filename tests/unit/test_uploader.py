"""drain_once against the reference server in process, and the back-off arithmetic."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.sync import status
from kiosk.sync.backoff import (
    BACKOFF_CAP_S,
    BUSY_JITTER_MAX_S,
    backoff_delay,
    next_delay,
    rejected_retry_after,
)
from kiosk.sync.drain import drain_once
from provincial_api.app import create_app
from tests.store_helpers import RECEIPT_KEY
from tests.synthetic_records import make_record


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")


@pytest.fixture
def store(tmp_path: Path):
    with KioskStore(tmp_path / "kiosk.sqlite") as s:
        yield s


@pytest.fixture
def http(tmp_path: Path):
    with TestClient(create_app(tmp_path / "server.sqlite", dev_enrol=True)) as c:
        yield c


@pytest.fixture
def client(http, sealer, tmp_path: Path) -> ProvincialApiClient:
    auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))
    return ProvincialApiClient("http://testserver", auth=auth, http=http,
                               receipt_key=http.app.state.receipts.public_key)


def _mock_client(http: httpx.Client) -> ProvincialApiClient:
    """A client of a scripted transport (its answers carry no real receipts)."""
    return ProvincialApiClient("http://x", http=http, receipt_key=RECEIPT_KEY.public_key())


def _queue(store: KioskStore, sealer: Sealer, n: int) -> list[str]:
    ids = []
    for i in range(n):
        number = store.numbers.reserve("4301", 1, 9999, f"s{i}")
        sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=500))
        store.commit_record(sealed, number)
        ids.append(sealed.record_id)
    return ids


@pytest.mark.parametrize("concurrency,per_request", [(1, 1), (4, 1), (2, 2), (3, 32)])
def test_drain_uploads_everything_oldest_first(store, sealer, client, concurrency,
                                               per_request) -> None:
    ids = _queue(store, sealer, 7)
    report = drain_once(store, client, batch_size=3, concurrency=concurrency,
                        records_per_request=per_request)
    assert report.acknowledged == ids and report.ok
    assert store.outbox.counts_by_state()["acknowledged"] == 7
    assert sorted(m.record_id for m in client.device_records("SIM-0001")) == sorted(ids)
    assert drain_once(store, client).acknowledged == []
    assert status.read_status(store).code == "ok"


@pytest.mark.parametrize("per_request", [1, 4])
def test_rejected_records_stay_queued_and_do_not_block_others(store, client, tmp_path,
                                                              per_request):
    other = Sealer.from_keys_dir(tmp_path / "other", "SIM-0001")  # seals with a foreign key
    ids = _queue(store, other, 3)
    report = drain_once(store, client, batch_size=1, records_per_request=per_request)
    assert report.rejected == ids and not report.ok and report.transient_error is None
    assert store.outbox.counts_by_state()["queued"] == 3
    assert "invalid_signature" in store.outbox.last_error()["error"]
    assert store.outbox.queued(10) == []  # they wait before the next try


def test_unreachable_server_keeps_records_and_stops_early(store, sealer) -> None:
    _queue(store, sealer, 3)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(refuse))
    client = _mock_client(http)
    report = drain_once(store, client, batch_size=1)
    assert report.transient_error and not report.acknowledged
    assert store.outbox.counts_by_state()["queued"] == 3
    assert store.outbox.last_error()["error"].startswith("server unreachable")
    assert len(store.outbox.queued(10)) == 3  # tried again on the next round, after the back-off
    assert [e.attempts for e in store.outbox.queued(10)] == [1, 0, 0]
    assert status.read_status(store).code == "unreachable"


@pytest.mark.parametrize(
    "answer,code",
    [
        ((401, {"error": "clock_skew", "reason": "r", "server_time": "2030-01-01T00:00:00Z"}),
         "clock_skew"),
        ((401, {"error": "unknown_device", "reason": "r"}), "unknown_device"),
        ((401, {"error": "bad_signature", "reason": "r"}), "bad_signature"),
        ((503, {"error": "busy", "reason": "r"}), "overloaded"),
        ((500, {"error": "internal", "reason": "r"}), "server_error"),
    ],
)
def test_device_refusals_stop_the_drain_and_are_told_apart(store, sealer, answer, code):
    _queue(store, sealer, 4)
    status_code, body = answer
    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(
        lambda r: httpx.Response(status_code, json=body, headers={"Retry-After": "9"})))
    report = drain_once(store, _mock_client(http), batch_size=2,
                        records_per_request=2)
    assert report.problem_code == code and not report.rejected
    assert store.outbox.counts_by_state()["queued"] == 4 and len(store.outbox.queued(10)) == 4
    seen = status.read_status(store)
    assert seen.code == code and not seen.ok and seen.words("SIM-0001")
    if code == "clock_skew":
        assert seen.clock_offset_s > 3600 and "clock" in seen.words()
        assert "behind" in seen.words()
    if code == "unknown_device":
        assert "SIM-0001" in seen.words("SIM-0001")
    if code == "overloaded":
        assert report.retry_after_s == 9.0


def test_retry_after_sets_a_floor_under_the_jittered_backoff(seed: int) -> None:
    rand = random.Random(seed)
    assert all(next_delay(30.0, 1, 2.0, rand=rand) == 30.0 for _ in range(50))
    long_backoff = [next_delay(30.0, 12, 2.0, rand=rand) for _ in range(200)]
    assert min(long_backoff) >= 30.0 and max(long_backoff) > 100.0


def test_backoff_is_full_jitter_and_capped(seed: int) -> None:
    rand = random.Random(seed)
    assert all(0 <= backoff_delay(1, 2.0, rand=rand) <= 2.0 for _ in range(100))
    assert all(0 <= backoff_delay(4, 2.0, rand=rand) <= 16.0 for _ in range(100))
    delays = [backoff_delay(40, 2.0, rand=rand) for _ in range(200)]
    assert max(delays) <= BACKOFF_CAP_S and max(delays) > BACKOFF_CAP_S / 2


def test_rejected_records_wait_longer_each_time() -> None:
    waits = [rejected_retry_after(n) for n in range(1, 30)]
    assert waits[0] == 60 and waits == sorted(waits) and waits[-1] == 24 * 3600


def test_a_batch_mixes_stored_repeated_and_refused_records(store, sealer, client, tmp_path):
    good = _queue(store, sealer, 2)
    client.put_record(store.outbox.queued(1)[0].record)  # the first is already on the server
    other = Sealer.from_keys_dir(tmp_path / "other", "SIM-0001")
    bad = _queue(store, other, 1)
    entries = store.outbox.queued(10)
    outcomes = client.put_records([e.record for e in entries])
    assert [getattr(o, "created", None) for o in outcomes] == [False, True, None]
    assert outcomes[2].code == "invalid_signature" and outcomes[2].status == 422
    report = drain_once(store, client, records_per_request=8)
    assert report.acknowledged == good and report.rejected == bad


@pytest.mark.parametrize("code", ["unavailable", "busy"])
def test_a_retry_after_outlives_a_restart(store, sealer, code: str) -> None:
    """503 Retry-After: 30 recorded; a new uploader (as after a kill) waits instead of sending.
    The same for the province's busy answer (its appointment) as for any other 503."""
    import threading
    import time

    from kiosk.sync.uploader import Uploader

    _queue(store, sealer, 2)
    calls: list[str] = []

    def busy(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503, json={"error": code, "reason": "r"},
                              headers={"Retry-After": "30"})

    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(busy))
    first = Uploader(store, _mock_client(http), 0.01, 10)
    thread = threading.Thread(target=first.run)
    thread.start()
    deadline = time.monotonic() + 10
    while store.settings.get(status.NEXT_ATTEMPT_KEY) is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.stop()
    thread.join(5)
    resume_at = store.settings.get(status.NEXT_ATTEMPT_KEY)
    assert 29 <= resume_at - time.time() <= 30 + BUSY_JITTER_MAX_S + 1  # kept, a little late
    sent_before_restart = len(calls)  # both records were in flight together

    second = Uploader(store, _mock_client(http), 0.01, 10)
    thread = threading.Thread(target=second.run)
    thread.start()
    time.sleep(0.3)
    second.stop()
    thread.join(5)
    assert len(calls) == sent_before_restart  # the restarted uploader honoured the wait
    assert store.outbox.counts_by_state()["queued"] == 2


def test_a_garbled_batch_answer_is_the_servers_fault_not_the_records(store, sealer) -> None:
    """A batch result whose status is not a number (a proxy, a broken server) tells nothing
    about the records: they wait the ordinary back-off, none is marked rejected."""
    ids = _queue(store, sealer, 3)

    def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": [{"record_id": i, "status": "two hundred"}
                                                     for i in ids]})

    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(garbled))
    report = drain_once(store, _mock_client(http), batch_size=3,
                        records_per_request=3)
    assert not report.rejected and not report.acknowledged
    assert report.problem_code == "unexpected_response"
    assert store.outbox.counts_by_state()["queued"] == 3
    assert status.read_status(store).code == "unexpected_response"


def test_a_listing_with_fields_this_kiosk_does_not_know_still_reads(sealer) -> None:
    """A newer server may add fields to its record metadata; the kiosk reads what it knows."""
    record = sealer.seal(make_record())
    meta = {**record.meta().to_wire(), "received_at": "2026-11-24T02:00:01.000Z",
            "stored_in": "region-2"}
    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json=meta)))
    got = _mock_client(http).get_record(record.record_id)
    assert got is not None and got.sha256 == record.sha256


def test_a_503_to_the_audit_head_request_is_obeyed_too(store, sealer, http, tmp_path) -> None:
    """The extra request after a good drain (the audit head) is told 503 Retry-After: 30; the
    loop waits for it as after a drain's 503, instead of draining again at the interval."""
    import threading
    import time

    from kiosk.sync.uploader import Uploader

    _queue(store, sealer, 2)
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response | None:
        calls.append(request.method)
        if request.method == "GET":
            return httpx.Response(503, json={"error": "busy", "reason": "r"},
                                  headers={"Retry-After": "30"})
        return None

    client = _relayed_client(http, tmp_path, answer)
    uploader = Uploader(store, client, 0.01, 10)
    thread = threading.Thread(target=uploader.run)
    thread.start()
    time.sleep(0.5)
    uploader.stop()
    thread.join(5)
    assert calls == ["PUT", "PUT", "GET"]  # nothing after the 503, for 0.5 s of 0.01 s rounds
    assert store.outbox.counts_by_state()["acknowledged"] == 2
    assert 29 <= store.settings.get(status.NEXT_ATTEMPT_KEY) - time.time() <= 31


def _relay_with_busy(http, tmp_path: Path, busy_when) -> tuple[ProvincialApiClient, list[str]]:
    """A client of the in-process server whose uploads are answered busy (an appointment of
    no wait) when `busy_when(n)` says so for the n-th upload; the answers given, in order."""
    answers: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PUT" or request.url.path.endswith(":batch"):
            if busy_when(len(answers)):
                answers.append("busy")
                return httpx.Response(503, json={"error": "busy", "reason": "r",
                                                 "retry_after_s": 0.0})
            answers.append("ok")
        return None

    return _relayed_client(http, tmp_path, answer), answers


def _relayed_client(http, tmp_path: Path, answer) -> ProvincialApiClient:
    """A client of the in-process server through a relay: `answer(request)` answers a request
    itself, or None to pass it on."""

    def relay(request: httpx.Request) -> httpx.Response:
        own = answer(request)
        return own if own is not None else http.request(
            request.method, str(request.url), headers=request.headers, content=request.content)

    auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))
    return ProvincialApiClient("http://testserver", auth=auth, receipt_key=(
        http.app.state.receipts.public_key), http=httpx.Client(
        base_url="http://testserver", transport=httpx.MockTransport(relay)))


def _run_uploader(store, client, seconds: float, caplog) -> list[str]:
    import logging
    import threading
    import time

    from kiosk.sync.uploader import Uploader

    caplog.set_level(logging.INFO, logger="kiosk.uploader")
    uploader = Uploader(store, client, 0.01, 1, concurrency=1)
    thread = threading.Thread(target=uploader.run)
    thread.start()
    time.sleep(seconds)
    uploader.stop()
    thread.join(5)
    return [r.getMessage() for r in caplog.records]


def test_a_province_busy_for_ever_gets_the_back_off_after_busy_patience(
        store, sealer, http, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setattr("kiosk.sync.uploader.BUSY_PATIENCE", 3)
    monkeypatch.setattr("kiosk.sync.backoff.BUSY_MIN_WAIT_S", 0.01)
    _queue(store, sealer, 2)
    client, answers = _relay_with_busy(http, tmp_path, lambda n: True)
    events = _run_uploader(store, client, 0.5, caplog)
    waits = [e for e in events if e in ("uploader.busy_wait", "uploader.backoff")]
    assert waits[:4] == ["uploader.busy_wait"] * 3 + ["uploader.backoff"]
    assert store.outbox.counts_by_state()["acknowledged"] == 0


def test_busy_patience_starts_over_whenever_records_go_through(
        store, sealer, http, tmp_path, monkeypatch, caplog) -> None:
    """Busy, busy, one record through, busy, busy, one through...: a big backlog paced by the
    province never falls back to the failure back-off, and all of it arrives."""
    monkeypatch.setattr("kiosk.sync.uploader.BUSY_PATIENCE", 3)
    monkeypatch.setattr("kiosk.sync.backoff.BUSY_MIN_WAIT_S", 0.01)
    ids = _queue(store, sealer, 6)
    client, answers = _relay_with_busy(http, tmp_path, lambda n: n % 3 != 2)
    events = _run_uploader(store, client, 1.5, caplog)
    assert store.outbox.counts_by_state()["acknowledged"] == len(ids)
    assert "uploader.backoff" not in events
    assert answers.count("busy") >= 2 * len(ids)
