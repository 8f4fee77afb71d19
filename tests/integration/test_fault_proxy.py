"""The kiosk's real upload loop through a proxy that drops, resets, fails, delays, throttles,
cuts and loses the server's answers.

`kiosk.sync.uploader.Uploader` runs as the `kiosk-uploader` process runs it, with its own
back-off and its own obedience to Retry-After: after every 503 the proxy sees no request
before Retry-After has passed. Whatever the network does, every record ends up stored on the
server exactly once, acknowledged on the kiosk with a receipt that verifies; answers lost or
cut after the server stored a record are made good by the idempotent PUT (a second PUT gets
the first receipt).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.store.outbox import receipt_holds
from kiosk.sync.uploader import Uploader
from tests.integration.faultproxy import BUSY_APPOINTMENT_S, FAULTS, FaultProxy
from tests.integration.processes import free_port, start_server
from tests.synthetic_records import make_record

WEIGHTS = {"pass": 6, "drop": 1, "reset": 1, "500": 1, "503": 0.5, "busy": 0.5, "slow": 1,
           "lose_response": 1, "headers_only": 1, "cut_body": 1, "reset_mid_body": 1,
           "truncated_body": 1}
RETRY_AFTER_S = 1
RECORDS = 40


def _upload_until_done(store: KioskStore, uploader: Uploader, expected: int) -> float:
    """Run the loop in a thread until every record is acknowledged; how long it took."""
    began = time.monotonic()
    thread = threading.Thread(target=uploader.run, daemon=True)
    thread.start()
    try:
        while store.outbox.counts_by_state()["acknowledged"] < expected:
            assert thread.is_alive(), "the upload loop ended on its own"
            assert time.monotonic() - began < 180, f"not drained: {store.outbox.counts_by_state()}"
            time.sleep(0.05)
    finally:
        uploader.stop()
        thread.join(30)
    assert not thread.is_alive(), "the upload loop did not stop when asked"
    return time.monotonic() - began


def _upload(target: str) -> bool:
    return target.startswith("PUT /v1/records/") or target == "POST /v1/records:batch"


@pytest.mark.parametrize("per_request", [1, 8])
def test_every_record_stored_once_through_faults_retry_after_obeyed(
        tmp_path: Path, per_request: int, seed: int) -> None:
    assert set(WEIGHTS) == set(FAULTS)
    port = free_port()
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))
    proxy = FaultProxy(port, WEIGHTS, seed=seed, retry_after_s=RETRY_AFTER_S).start()
    # The kiosk signs for the proxy's address, so the server must answer to that name too.
    server = start_server(tmp_path / "server" / "records.sqlite", port=port, extra=(
        "--authority", f"127.0.0.1:{proxy.port}", "--authority", f"127.0.0.1:{port}"))
    ids = []
    try:
        with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store, \
                ProvincialApiClient(proxy.url, timeout=0.3, auth=auth,
                                    receipt_key=server.receipt_key()) as client:
            for i in range(RECORDS):
                number = store.numbers.reserve("4301", 1, 9999, f"s{i}")
                sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=2000))
                store.commit_record(sealed, number)
                ids.append(sealed.record_id)
            # One request at a time (a batch is one request), so a 503 ends its drain at once
            # and the next request the proxy sees is the loop's next attempt.
            uploader = Uploader(store, client, interval_s=0.05, batch_size=per_request,
                                concurrency=1, max_backoff_s=0.1,
                                records_per_request=per_request)
            took = _upload_until_done(store, uploader, len(ids))
            rows = store.connection.read("SELECT record_id, device_id, sha256, receipt, state"
                                         " FROM outbox")
    finally:
        proxy.stop()
        server.stop()
    assert all(proxy.seen[f] > 0 for f in WEIGHTS), proxy.seen
    waits = [later - at for (at, fault, _), (later, _, _) in zip(proxy.log, proxy.log[1:],
                                                                 strict=False) if fault == "503"]
    assert waits and min(waits) >= RETRY_AFTER_S, f"Retry-After {RETRY_AFTER_S} s, waited {waits}"
    # The province's busy answer: its appointment is kept by the uploads, never early (the
    # small unpaced requests after a drain, a heartbeat say, may go meanwhile).
    uploads = [(at, fault) for at, fault, target in proxy.log if _upload(target)]
    kept = [later - at for (at, fault), (later, _) in zip(uploads, uploads[1:], strict=False)
            if fault == "busy"]
    assert kept and min(kept) >= BUSY_APPOINTMENT_S, f"appointments kept after {kept}"
    assert {r["state"] for r in rows} == {"acknowledged"}
    key = server.receipt_key()
    assert all(receipt_holds(r, key) for r in rows), "a stored receipt does not verify"
    with sqlite3.connect(server.db) as conn:
        held = [r for (r,) in conn.execute("SELECT record_id FROM records")]
    assert sorted(held) == sorted(ids)
    print(f"{len(ids)} records, {per_request} per request: {len(proxy.log)} requests in"
          f" {took:.1f} s, faults {dict(proxy.seen)}; waits after 503:"
          f" {[round(w, 2) for w in waits]} s")
