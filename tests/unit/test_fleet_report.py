"""`kiosk-admin fleet`'s report from the province's facts, and the kiosk keeping its devices'
health where the uploader's heartbeat reads it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from central_api_client.heartbeat import Heartbeat
from kiosk.core.health import DeviceHealth
from kiosk.store import KioskStore
from kiosk.sync import status
from kiosk.wiring import keep_health
from provincial_api.fleet_reads import MachineFacts
from provisioning.admin.fleet import SILENT, parse_duration, render, report

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _facts(device_id: str, received_at: str | None, **beat: object) -> MachineFacts:
    hb = None
    if received_at is not None:
        fields = {"config_version": 2, "app_version": "0.1.0", "queue_depth": 0,
                  "oldest_unacknowledged_s": None, "audit_head": "1:" + "a" * 64,
                  "disk_free_mb": 9000, "sent_at": received_at, "hardware": {}, **beat}
        hb = Heartbeat(**fields)  # type: ignore[arg-type]
    return MachineFacts(device_id, True, device_id[3:7], "一中", hb, received_at, None, 0)


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("2h", 7200),
                                               ("1d", 86400)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "0m", "1w", "-5m"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_silent_never_seen_and_the_alerts_a_heartbeat_raises():
    facts = [
        _facts("HN-4301-0001", "2026-03-01T07:58:00.000Z"),
        _facts("HN-4301-0002", "2026-03-01T07:00:00.000Z"),
        _facts("HN-4301-0003", None),
        _facts("HN-4302-0001", "2026-03-01T07:59:00.000Z", queue_depth=4,
               oldest_unacknowledged_s=2 * 86400, disk_free_mb=500,
               hardware={"printer": "cover_open", "camera": "ok"}),
    ]
    data = report(facts, NOW, 900)
    alerts = {m["device_id"]: m["alerts"] for m in data["machines"]}
    assert alerts == {"HN-4301-0001": [], "HN-4301-0002": [SILENT], "HN-4301-0003": [SILENT],
                      "HN-4302-0001": ["printer:cover_open", "queue_stale", "disk_low"]}
    assert [(a["county_code"], a["machines"], a["silent"], a["queued"]) for a in data["areas"]] \
        == [("4301", 3, 2, 0), ("4302", 1, 0, 4)]
    assert [m["device_id"] for m in report(facts, NOW, 900, "4302")["machines"]] == \
        ["HN-4302-0001"]
    text = render(data)
    assert "never" in text and "SILENT" in text and "printer:cover_open" in text


class _Shell:
    def __init__(self) -> None:
        self.health = DeviceHealth()
        self.listeners: list = []

    def on_health(self, callback) -> None:
        self.listeners.append(callback)


def test_the_kiosk_keeps_its_devices_health_for_the_heartbeat(tmp_path):
    shell = _Shell()
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        keep_health(shell, store)  # type: ignore[arg-type]
        assert set(status.read_health(store).values()) == {"ok"}
        shell.health.printer("paper_out")
        for callback in shell.listeners:
            callback()
        assert status.read_health(store)["printer"] == "paper_out"
