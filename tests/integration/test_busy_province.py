"""A fleet drains into a province that is behind: a real `provincial-api serve --busy-after`
on loopback and ten kiosks' own uploaders (their stores, keys and loops), four requests in
flight each. The server takes on what it can and tells the rest "busy, come back at T"; every
kiosk keeps its appointments (not the failure back-off) and every record arrives, once."""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from pathlib import Path

import pytest

from central_api_client.client import DeviceAuth, ProvincialApiClient
from central_api_client.logs import LogEvent
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.sync.uploader import Uploader
from tests.integration.processes import console_script, start_server
from tests.synthetic_records import make_record

KIOSKS = 10
RECORDS = 32


def _kiosk(folder: Path, device_id: str, server) -> tuple[KioskStore, ProvincialApiClient]:
    sealer = Sealer.from_keys_dir(folder / "keys", device_id)
    store = KioskStore(folder / "kiosk.sqlite")
    for i in range(RECORDS):
        number = store.numbers.reserve("4301", 1, 9999, f"s{i}")
        # 40 KB photos: sixteen to a request make ~0.9 MB, so three requests fill the server.
        store.commit_record(sealer.seal(make_record(device_id, number, photo_bytes=40_000)),
                            number)
    client = ProvincialApiClient(server.url, 30.0,
                                 auth=DeviceAuth(device_id, load_device_key(folder / "keys")),
                                 receipt_key=server.receipt_key())
    return store, client


def test_a_fleet_keeps_a_busy_provinces_appointments_and_loses_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server(tmp_path / "api.sqlite", extra=("--busy-after", "0.05"))
    kiosks = [_kiosk(tmp_path / f"k{i}", f"SIM-{i + 1:04d}", server) for i in range(KIOSKS)]
    uploaders = [Uploader(store, client, 0.05, 64, concurrency=4, records_per_request=16)
                 for store, client in kiosks]
    threads = [threading.Thread(target=u.run) for u in uploaders]
    caplog.set_level(logging.INFO, logger="kiosk.uploader")
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 90
        while any(store.outbox.counts_by_state()["acknowledged"] < RECORDS
                  for store, _ in kiosks):
            assert time.monotonic() < deadline, [s.outbox.counts_by_state() for s, _ in kiosks]
            time.sleep(0.1)
    finally:
        for uploader in uploaders:
            uploader.stop()
        for thread in threads:
            thread.join(10)
        for store, client in kiosks:
            client.close()
            store.close()
        server.stop()

    events = [r.getMessage() for r in caplog.records]
    assert events.count(LogEvent.UPLOADER_BUSY_WAIT.value) >= 1  # the server was behind
    assert LogEvent.UPLOADER_BACKOFF.value not in events  # and that was no failure
    # The province holds every record, once (the operator's listing of its database).
    listed = subprocess.run([console_script("provincial-api"), "list", "--json", "--db",
                             str(tmp_path / "api.sqlite")], capture_output=True, text=True,
                            timeout=60, check=True).stdout.splitlines()
    held = [json.loads(line)["record_id"] for line in listed]
    assert len(held) == len(set(held)) == KIOSKS * RECORDS
