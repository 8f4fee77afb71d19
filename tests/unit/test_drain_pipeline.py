"""The drain with two batches in flight: a server failing mid-backlog loses nothing, records
what it acknowledged, and the next drain takes up the rest in order."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.sync.drain import drain_once
from provincial_api.app import create_app
from tests.synthetic_records import make_record


def test_a_server_failing_mid_backlog_keeps_every_record(tmp_path: Path) -> None:
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))
    with TestClient(create_app(tmp_path / "server.sqlite", dev_enrol=True)) as server, \
            KioskStore(tmp_path / "kiosk.sqlite") as store:
        ids = []
        for i in range(20):
            number = store.numbers.reserve("4301", 1, 9999, f"p{i}")
            sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=500))
            store.commit_record(sealed, number)
            ids.append(sealed.record_id)
        answered = 0
        up = True

        def relay(request: httpx.Request) -> httpx.Response:
            """The server, until its fourth request: then the connection is refused."""
            nonlocal answered
            if not up or answered == 3:
                raise httpx.ConnectError("connection refused", request=request)
            answered += 1
            return server.request(request.method, str(request.url), headers=request.headers,
                                  content=request.content)

        http = httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(relay))
        client = ProvincialApiClient("http://testserver", auth=auth, http=http,
                                     receipt_key=server.app.state.receipts.public_key)
        # One request at a time, so which request fails is known (the pipeline is the same).
        report = drain_once(store, client, batch_size=4, concurrency=1, records_per_request=2)
        assert report.problem_code == "unreachable"
        assert report.acknowledged == ids[:6]  # batch 1, and batch 2's first request
        counts = store.outbox.counts_by_state()
        assert counts["acknowledged"] == 6 and counts["queued"] == 14
        waiting = [e.record_id for e in store.outbox.unacknowledged()]
        assert waiting == ids[6:]
        # Only the batches in flight were tried: the rest of the backlog kept its attempts.
        assert [e.attempts for e in store.outbox.unacknowledged()][-8:] == [0] * 8

        answered, up = 0, True
        relay_all = ProvincialApiClient("http://testserver", auth=auth, http=server,
                                        receipt_key=server.app.state.receipts.public_key)
        again = drain_once(store, relay_all, batch_size=4, concurrency=2,
                           records_per_request=2)
        assert again.ok and again.acknowledged == ids[6:]
        assert store.outbox.counts_by_state()["acknowledged"] == 20


def test_after_a_503_no_request_waiting_its_turn_goes_out(tmp_path: Path) -> None:
    """Retry-After holds for the requests of the drain that were queued but not yet sent: the
    pipeline must not fire them at a server that has just asked for a pause."""
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))
    with TestClient(create_app(tmp_path / "server.sqlite", dev_enrol=True)) as server, \
            KioskStore(tmp_path / "kiosk.sqlite") as store:
        ids = []
        for i in range(12):
            number = store.numbers.reserve("4301", 1, 9999, f"r{i}")
            sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=500))
            store.commit_record(sealed, number)
            ids.append(sealed.record_id)
        seen: list[str] = []

        def relay(request: httpx.Request) -> httpx.Response:
            """The server, but its third request is answered 503 with Retry-After."""
            seen.append("503" if len(seen) == 2 else "pass")
            if seen[-1] == "503":
                return httpx.Response(503, headers={"Retry-After": "30"},
                                      json={"error": "overloaded", "reason": "busy"})
            return server.request(request.method, str(request.url), headers=request.headers,
                                  content=request.content)

        http = httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(relay))
        client = ProvincialApiClient("http://testserver", auth=auth, http=http,
                                     receipt_key=server.app.state.receipts.public_key)
        report = drain_once(store, client, batch_size=2, concurrency=1, records_per_request=1)
        assert seen == ["pass", "pass", "503"], "a request went out after the 503"
        assert report.problem_code == "overloaded" and report.retry_after_s == 30
        assert report.acknowledged == ids[:2]
        assert [e.record_id for e in store.outbox.unacknowledged()] == ids[2:]
