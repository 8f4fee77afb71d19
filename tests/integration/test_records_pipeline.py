"""Seal, queue, upload with the real `kiosk-uploader`, open with `provincial-api open`.

Every actor is its own process, as on a machine: the server, the uploader, the CLI. The test
itself plays the kiosk UI, writing sealed records into the shared database.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk import seal
from kiosk.config import load_config
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from tests.integration.processes import (
    KioskEnv,
    Server,
    console_script,
    free_port,
    server_receipt_key,
    start_server,
    write_kiosk_config,
)
from tests.synthetic_records import make_record


def _commit_records(kiosk: KioskEnv, n: int) -> list[tuple[str, str]]:
    """What the kiosk UI does on "sign": reserve, seal, commit. Returns (record id, number)."""
    config = load_config(kiosk.config_path)
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id)
    out = []
    with KioskStore(config.database_path) as store:
        for i in range(n):
            number = store.numbers.reserve(
                config.device.county_code, config.sequence.first, config.sequence.last, f"s{i}"
            )
            record = make_record(config.device.id, number, photo_bytes=30_000)
            store.commit_record(sealer.seal(record), number)
            out.append((record.record_id, number))
    return out


def _counts(kiosk: KioskEnv) -> dict[str, int]:
    with KioskStore(load_config(kiosk.config_path).database_path) as store:
        return store.outbox.counts_by_state()


def _run_uploader_once(kiosk: KioskEnv) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script("kiosk-uploader"), "--once"],
        env=kiosk.env(), capture_output=True, text=True, timeout=60,
    )


def test_upload_then_open_on_the_province_side(tmp_path: Path, provincial_server: Server):
    kiosk = write_kiosk_config(tmp_path, provincial_server.url,
                               receipt_key=provincial_server.receipt_public_key)
    committed = _commit_records(kiosk, 3)

    result = _run_uploader_once(kiosk)
    assert result.returncode == 0, result.stdout[-2000:]
    events = [json.loads(line)["event"] for line in result.stdout.splitlines() if line]
    assert events.count("uploader.acknowledged") == 3
    assert _counts(kiosk) == {"queued": 0, "sent": 0, "acknowledged": 3, "purged": 0}

    auth = DeviceAuth("SIM-0001", load_device_key(load_config(kiosk.config_path).keys_dir))
    with ProvincialApiClient(provincial_server.url, 5.0, auth=auth,
                             receipt_key=provincial_server.receipt_key()) as client:
        on_server = [m.record_id for m in client.device_records("SIM-0001")]
    assert sorted(on_server) == sorted(record_id for record_id, _ in committed)

    listed = subprocess.run(
        [console_script("provincial-api"), "list", "--json", "--db", str(provincial_server.db)],
        capture_output=True, text=True, timeout=30, check=True,
    )
    assert len(listed.stdout.splitlines()) == 3

    record_id, number = committed[0]
    key = load_config(kiosk.config_path).keys_dir / seal.DEV_PROVINCE_PRIVATE_KEY_FILE
    opened = subprocess.run(
        [console_script("provincial-api"), "open", record_id, "--key", str(key),
         "--db", str(provincial_server.db)],
        capture_output=True, text=True, timeout=30,
    )
    assert opened.returncode == 0, opened.stderr[-500:]
    payload = json.loads(opened.stdout)
    assert (payload["record_id"], payload["sequence_number"]) == (record_id, number)
    assert payload["photo_jpeg"] == "<30006 bytes>"
    expected_id_number = make_record().document.id_number  # the same synthetic person
    same_person = payload["identity"]["id_number"] == expected_id_number
    assert same_person, "decrypted ID number differs from the one sealed"


def test_open_refuses_a_wrong_key(tmp_path: Path, provincial_server: Server) -> None:
    kiosk = write_kiosk_config(tmp_path, provincial_server.url,
                               receipt_key=provincial_server.receipt_public_key)
    [(record_id, _)] = _commit_records(kiosk, 1)
    assert _run_uploader_once(kiosk).returncode == 0
    other = tmp_path / "other-keys"
    Sealer.from_keys_dir(other, "X")
    opened = subprocess.run(
        [console_script("provincial-api"), "open", record_id, "--key",
         str(other / seal.DEV_PROVINCE_PRIVATE_KEY_FILE), "--db", str(provincial_server.db)],
        capture_output=True, text=True, timeout=30,
    )
    assert opened.returncode == 1 and "does not open" in opened.stderr and not opened.stdout


def test_server_down_keeps_records_queued_with_an_error(tmp_path: Path) -> None:
    kiosk = write_kiosk_config(tmp_path, f"http://127.0.0.1:{free_port()}")
    _commit_records(kiosk, 2)
    result = _run_uploader_once(kiosk)
    assert result.returncode == 1
    assert _counts(kiosk)["queued"] == 2
    with KioskStore(load_config(kiosk.config_path).database_path) as store:
        error = store.outbox.last_error()
        assert error is not None and error["error"].startswith("server unreachable")
        assert store.outbox.oldest_unacknowledged_age_s() is not None


def test_uploader_waits_out_an_outage_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    kiosk = write_kiosk_config(tmp_path, f"http://127.0.0.1:{port}", interval_s=0.2,
                               receipt_key=server_receipt_key(tmp_path))
    _commit_records(kiosk, 3)
    uploader = subprocess.Popen(
        [console_script("kiosk-uploader")],
        env=kiosk.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    server = None
    try:
        db_path = load_config(kiosk.config_path).database_path
        with KioskStore(db_path) as store:
            _wait_for(lambda: store.outbox.last_error() is not None, "an upload error while down")
            server = start_server(tmp_path / "server.sqlite", port=port)
            _wait_for(lambda: store.outbox.counts_by_state()["acknowledged"] == 3,
                      "all acknowledged")
        uploader.send_signal(signal.SIGTERM)
        output, _ = uploader.communicate(timeout=15)
    finally:
        if uploader.poll() is None:
            uploader.kill()
            uploader.communicate()
        if server is not None:
            server.stop()
    assert uploader.returncode == 0
    events = [json.loads(line)["event"] for line in output.splitlines() if line.startswith("{")]
    assert "uploader.backoff" in events and events[-1] == "uploader.stopped"


def _wait_for(condition, what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
