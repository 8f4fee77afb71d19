"""A fleet of 50 simulated kiosks, each with its own device key, sending signed heartbeats over
loopback to a real `provincial-api serve`; `kiosk-admin fleet` shows all of them with the right
flags: some with queues, one silent for too long, one with its printer out of paper, today's
records counted per county and point."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central_api_client.client import DeviceAuth, ProvincialApiClient
from central_api_client.contract import utc_now, utc_timestamp
from central_api_client.device_keys import DeviceSigner
from central_api_client.heartbeat import Heartbeat
from kiosk.seal import Sealer, load_device_key
from tests.integration.processes import console_script, start_server
from tests.synthetic_records import make_record

KIOSKS = 50
SILENT_ONE = "HN-4301-0007"
FAULTY_ONE = "HN-4302-0003"
UPLOADERS = ("HN-4301-0001", "HN-4301-0002", "HN-4302-0001")


def device_ids() -> list[str]:
    """30 kiosks in county 4301, 20 in 4302, named as enrolment names them."""
    return [f"HN-4301-{i:04d}" for i in range(1, 31)] + \
           [f"HN-4302-{i:04d}" for i in range(1, 21)]


def heartbeat_of(device_id: str, index: int) -> Heartbeat:
    queued = index % 5 == 0  # every fifth kiosk has records waiting
    printer = "paper_out" if device_id == FAULTY_ONE else "ok"
    return Heartbeat(
        config_version=3, app_version="0.1.0", queue_depth=index + 1 if queued else 0,
        oldest_unacknowledged_s=60 * (index + 1) if queued else None,
        audit_head=f"{index}:" + f"{index:02x}" * 32, disk_free_mb=20_000, sent_at=utc_now(),
        hardware={"reader": "ok", "camera": "ok", "printer": printer, "light": "ok"})


@pytest.mark.timeout(60)
def test_fifty_kiosks_heartbeats_shown_by_kiosk_admin_fleet(tmp_path: Path) -> None:
    db = tmp_path / "server" / "records.sqlite"
    server = start_server(db)
    try:
        receipt_key = server.receipt_key()
        for index, device_id in enumerate(device_ids()):
            key: DeviceSigner | Ed25519PrivateKey
            if device_id in UPLOADERS:  # a kiosk that also uploads a record today
                sealer = Sealer.from_keys_dir(tmp_path / device_id, device_id)
                key = load_device_key(tmp_path / device_id)
            else:
                key = Ed25519PrivateKey.generate()
            with ProvincialApiClient(server.url, auth=DeviceAuth(device_id, key),
                                     receipt_key=receipt_key) as client:
                if device_id in UPLOADERS:
                    record = make_record(device_id, f"{device_id[3:7]}0001", photo_bytes=500)
                    client.put_record(sealer.seal(record))
                client.send_heartbeat(heartbeat_of(device_id, index))
    finally:
        server.stop()
    # One kiosk last heard of an hour ago: its stored heartbeat back-dated, as if it had gone
    # quiet since (the server stamps received_at with its own clock, so a kiosk cannot).
    an_hour_ago = utc_timestamp(datetime.now(UTC) - timedelta(hours=1))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE heartbeats SET received_at = ? WHERE device_id = ?",
                     (an_hour_ago, SILENT_ONE))
        # Two of 4301's kiosks enrolled at a point (as `POST /v1/enrol` records it).
        for device_id in UPLOADERS[:2]:
            conn.execute("INSERT INTO enrolments (device_id, county_code, serial, point,"
                         " token_id, device_key_sha256, key_storage, enrolled_at)"
                         " VALUES (?, '4301', ?, '长沙市第一中学', 't', 'k', 'file', ?)",
                         (device_id, int(device_id[-4:]), an_hour_ago))

    def fleet(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([console_script("kiosk-admin"), "fleet", "--db", str(db), *args],
                              capture_output=True, text=True, timeout=30, check=True)

    data = json.loads(fleet("--json", "--silent-after", "15m").stdout)
    machines = {m["device_id"]: m for m in data["machines"]}
    assert sorted(machines) == sorted(device_ids())
    assert [d for d, m in machines.items() if "SILENT" in m["alerts"]] == [SILENT_ONE]
    assert machines[SILENT_ONE]["silent_s"] >= 3600
    assert machines[FAULTY_ONE]["alerts"] == ["printer:paper_out"]
    assert machines[FAULTY_ONE]["hardware"]["printer"] == "paper_out"
    queued = {d for d, m in machines.items() if m["queue_depth"]}
    assert len(queued) == 10
    assert all(machines[d]["oldest_unacknowledged_s"] > 0 for d in queued)
    assert all(m["config_version"] == 3 and m["app_version"] == "0.1.0"
               for m in machines.values())
    assert sum(1 for m in machines.values() if not m["alerts"]) == KIOSKS - 2
    assert {d: m["records_today"] for d, m in machines.items() if m["records_today"]} == \
        dict.fromkeys(UPLOADERS, 1)
    areas = {(a["county_code"], a["point"]): a for a in data["areas"]}
    assert areas[("4301", "长沙市第一中学")]["records_today"] == 2
    assert areas[("4301", "长沙市第一中学")]["machines"] == 2
    assert areas[("4301", "?")]["machines"] == 28 and areas[("4301", "?")]["silent"] == 1
    assert areas[("4302", "?")]["records_today"] == 1
    assert sum(a["machines"] for a in data["areas"]) == KIOSKS

    one_county = json.loads(fleet("--json", "--county", "4302").stdout)
    assert len(one_county["machines"]) == 20
    text = fleet("--county", "4301").stdout
    assert f"{SILENT_ONE}" in text and "SILENT" in text and "HN-4302" not in text
    # A longer limit: nobody is silent.
    relaxed = json.loads(fleet("--json", "--silent-after", "2h").stdout)
    assert not any("SILENT" in m["alerts"] for m in relaxed["machines"])
