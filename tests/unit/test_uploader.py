"""drain_once against the reference server in process, and the back-off arithmetic."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from central_api_client import ProvincialApiClient
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from kiosk.sync.uploader import BACKOFF_CAP_S, backoff_delay, drain_once, rejected_retry_after
from provincial_api.app import create_app
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
    with TestClient(create_app(tmp_path / "server.sqlite")) as c:
        yield c


def _queue(store: KioskStore, sealer: Sealer, n: int) -> list[str]:
    ids = []
    for i in range(n):
        number = store.reserve_sequence_number("4301", 1, 9999, f"s{i}")
        sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=500))
        store.commit_record(sealed, number)
        ids.append(sealed.record_id)
    return ids


def test_drain_uploads_everything_oldest_first(store, sealer, http) -> None:
    ids = _queue(store, sealer, 5)
    key = sealer.device_public_key_bytes()
    client = ProvincialApiClient("http://testserver", device_public_key=key, http=http)
    report = drain_once(store, client, batch_size=2)
    assert report.acknowledged == ids and report.ok
    assert store.counts_by_state()["acknowledged"] == 5
    assert [m.record_id for m in client.device_records("SIM-0001")] == ids
    assert drain_once(store, client).acknowledged == []


def test_rejected_records_stay_queued_and_do_not_block_others(store, sealer, http, tmp_path):
    ids = _queue(store, sealer, 3)
    wrong_key = Sealer.from_keys_dir(tmp_path / "other", "SIM-0001").device_public_key_bytes()
    client = ProvincialApiClient("http://testserver", device_public_key=wrong_key, http=http)
    report = drain_once(store, client, batch_size=1)
    assert report.rejected == ids and not report.ok and report.transient_error is None
    assert store.counts_by_state()["queued"] == 3
    assert "invalid_signature" in store.last_error()["error"]
    assert store.queued(10) == []  # they wait before the next try


def test_unreachable_server_keeps_records_and_stops_early(store, sealer) -> None:
    _queue(store, sealer, 3)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.Client(base_url="http://x", transport=httpx.MockTransport(refuse))
    client = ProvincialApiClient("http://x", device_public_key=b"k" * 32, http=http)
    report = drain_once(store, client)
    assert report.transient_error and not report.acknowledged
    assert store.counts_by_state()["queued"] == 3
    assert store.last_error()["error"].startswith("server unreachable")
    assert len(store.queued(10)) == 3  # tried again on the next round, after the back-off
    assert [e.attempts for e in store.queued(10)] == [1, 0, 0]


def test_backoff_is_full_jitter_and_capped() -> None:
    rand = random.Random(7)
    assert all(0 <= backoff_delay(1, 2.0, rand=rand) <= 2.0 for _ in range(100))
    assert all(0 <= backoff_delay(4, 2.0, rand=rand) <= 16.0 for _ in range(100))
    delays = [backoff_delay(40, 2.0, rand=rand) for _ in range(200)]
    assert max(delays) <= BACKOFF_CAP_S and max(delays) > BACKOFF_CAP_S / 2


def test_rejected_records_wait_longer_each_time() -> None:
    waits = [rejected_retry_after(n) for n in range(1, 30)]
    assert waits[0] == 60 and waits == sorted(waits) and waits[-1] == 24 * 3600
