"""Heartbeats kept and the fleet read on both backends (SQLite and PostgreSQL): the latest
heartbeat sent per machine, and `kiosk-admin fleet`'s read-only view of machines, enrolments
and today's records."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from central_api_client.day_report import DayReportWire
from central_api_client.heartbeat import Heartbeat
from central_api_client.records import SealedRecord
from provincial_api.backend import (
    BackendError,
    Db,
    open_backend,
    open_enrolments,
    open_fleet_reads,
)

SINCE = "2026-03-01T00:00:00.000Z"


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    if request.param == "sqlite":
        return tmp_path / "server" / "records.sqlite"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _beat(sent_at: str, depth: int = 0, printer: str = "ok") -> Heartbeat:
    return Heartbeat(config_version=2, app_version="0.1.0", queue_depth=depth,
                     oldest_unacknowledged_s=30 if depth else None,
                     audit_head="1:" + "c" * 64, disk_free_mb=900, sent_at=sent_at,
                     hardware={"printer": printer})


def _record(device_id: str) -> SealedRecord:
    return SealedRecord(record_id=str(uuid.uuid4()), device_id=device_id, workflow="collect",
                        created_at="2026-03-01T01:00:00Z", size=6,
                        sha256="0" * 64, blob=b"sealed", signature=b"s" * 64)


def test_the_latest_heartbeat_sent_is_kept_and_the_fleet_read_read_only(db: Db) -> None:
    store, registry = open_backend(db)
    enrolments = open_enrolments(db)  # its tables, as the server makes them
    try:
        registry.add("HN-4301-0001", b"k" * 32, SINCE, "operator")
        registry.add("HN-4302-0001", b"m" * 32, SINCE, "operator")
        newer = _beat("2026-03-01T08:05:00.000Z", depth=3, printer="offline")
        registry.note_heartbeat("HN-4301-0001", newer, "2026-03-01T08:05:01.000Z")
        registry.note_heartbeat("HN-4301-0001", _beat("2026-03-01T08:00:00.000Z"),
                                "2026-03-01T08:05:02.000Z")  # overtaken on the way: ignored
        assert registry.heartbeats()["HN-4301-0001"].heartbeat == newer
        store.put_many([_record("HN-4301-0001")], b"k" * 32, "2026-03-01T09:00:00.000Z")
        store.put_many([_record("HN-4301-0001")], b"k" * 32, "2026-02-28T09:00:00.000Z")
        reads = open_fleet_reads(db)
        machines = {m.device_id: m for m in reads.machines(since=SINCE)}
        one = machines["HN-4301-0001"]
        assert one.heartbeat == newer and one.received_at == "2026-03-01T08:05:01.000Z"
        assert (one.county_code, one.point, one.records_today) == ("4301", None, 1)
        other = machines["HN-4302-0001"]
        assert other.heartbeat is None and other.county_code == "4302" and other.active
    finally:
        enrolments.close()
        store.close()
        registry.close()


def test_the_fleet_never_makes_a_database(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="no database"):
        open_fleet_reads(tmp_path / "absent.sqlite")
    assert not (tmp_path / "absent.sqlite").exists()


def test_day_reports_are_kept_one_per_machine_and_day_on_both_backends(db: Db) -> None:
    def report(day: str, used: int) -> DayReportWire:
        return DayReportWire(day=day, numbers_used=used, numbers_voided=0, queue_depth=0,
                             confirmed_by="T0002", card_fingerprint="b2" * 32,
                             confirmed_at=f"{day}T10:00:00.000Z")

    _, registry = open_backend(db)
    try:
        registry.note_day_report("HN-4301-0001", report("2026-09-02", 3), SINCE)
        registry.note_day_report("HN-4301-0001", report("2026-09-02", 5), SINCE)  # again
        registry.note_day_report("HN-4301-0001", report("2026-09-01", 9), SINCE)
        registry.note_day_report("HN-4301-0002", report("2026-09-02", 1), SINCE)
        seen = registry.day_reports("HN-4301-0001")
        assert [(s.report.day, s.report.numbers_used) for s in seen] == [
            ("2026-09-01", 9), ("2026-09-02", 5)]
    finally:
        registry.close()
