"""The uploader through a proxy that drops, resets, fails, delays and loses answers.

Whatever the network does, every record ends up stored on the server exactly once and
acknowledged on the kiosk; the server's answers lost after it stored a record are made good by
the idempotent PUT (a second PUT gets the first ack).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.sync.drain import drain_once
from tests.integration.faultproxy import FaultProxy
from tests.integration.processes import free_port, start_server
from tests.synthetic_records import make_record

WEIGHTS = {"pass": 4, "drop": 1, "reset": 1, "500": 1, "503": 1, "slow": 1,
           "lose_response": 2}


@pytest.mark.parametrize("per_request", [1, 8])
def test_every_record_stored_exactly_once_through_faults(tmp_path: Path,
                                                          per_request: int) -> None:
    port = free_port()
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))
    proxy = FaultProxy(port, WEIGHTS, seed=5).start()
    # The kiosk signs for the proxy's address, so the server must answer to that name too.
    provincial_server = start_server(tmp_path / "server" / "records.sqlite", port=port, extra=(
        "--authority", f"127.0.0.1:{proxy.port}", "--authority", f"127.0.0.1:{port}"))
    ids = []
    try:
        with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store, \
                ProvincialApiClient(proxy.url, timeout=0.3, auth=auth,
                                    receipt_key=provincial_server.receipt_key()) as client:
            for i in range(60):
                number = store.numbers.reserve("4301", 1, 9999, f"s{i}")
                sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=2000))
                store.commit_record(sealed, number)
                ids.append(sealed.record_id)
            rounds = 0
            while store.outbox.counts_by_state()["acknowledged"] < len(ids):
                rounds += 1
                assert rounds < 300, f"not drained: {store.outbox.counts_by_state()}"
                store.outbox.release_waiting()  # Retry-After honoured by the loop, not needed here
                drain_once(store, client, batch_size=16, concurrency=4,
                           records_per_request=per_request)
            assert store.outbox.counts_by_state()["acknowledged"] == len(ids)
    finally:
        proxy.stop()
        provincial_server.stop()
    assert all(proxy.seen[f] > 0 for f in WEIGHTS), proxy.seen
    with sqlite3.connect(provincial_server.db) as conn:
        held = [r for (r,) in conn.execute("SELECT record_id FROM records")]
    assert sorted(held) == sorted(ids)
