"""What the staff panel keeps in the kiosk's database: day counts, numbers voided with a
reason, the kiosk's own pause (across a restart), confirmed end-of-day reports."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.core.staff_panel import china_day
from kiosk.store import KioskStore, StoreError
from tests.store_helpers import recent_audit


def _open(tmp_path) -> KioskStore:
    return KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0)


def _today() -> date:
    from datetime import UTC, datetime

    return china_day(datetime.now(UTC))


def test_todays_counts_per_workflow_from_each_sessions_start_and_end(tmp_path):
    with _open(tmp_path) as store:
        for i, outcome in enumerate(["completed", "completed", "cancelled", "timed_out",
                                     "exception", None]):
            store.staff.session_started(f"s{i}", "collect")
            if outcome:
                store.staff.session_ended(f"s{i}", outcome)
        store.staff.session_started("c0", "confirm")
        counts = store.staff.day_counts(_today())
    assert counts["collect"] == {"started": 6, "completed": 2, "cancelled": 1, "timed_out": 1,
                                 "exception": 1}
    assert counts["confirm"]["started"] == 1


def test_voiding_an_unfinished_sessions_number_keeps_its_reason_and_never_the_live_one(
        tmp_path):
    with _open(tmp_path) as store:
        old = store.numbers.reserve("4301", 1, 9999, "gone")
        live = store.numbers.reserve("4301", 1, 9999, "live")
        assert store.staff.unfinished_numbers("live") == [old]
        with pytest.raises(StoreError):
            store.staff.void(live, "candidate_left", "S0001", "live")
        with pytest.raises(StoreError):
            store.staff.void(old, "no such reason", "S0001", "live")
        store.staff.void(old, "candidate_left", "S0001", "live")
        with pytest.raises(StoreError):  # once only
            store.staff.void(old, "candidate_left", "S0001", "live")
        assert store.numbers.usage()["void"] == 1
        day = store.staff.numbers_of_day(_today())
        [entry] = [e for e in recent_audit(store) if e["event"] == "numbers.voided_by_staff"]
    assert day == {"used": 0, "voided": 1, "void_reasons": {"candidate_left": 1}}
    assert entry["facts"]["reason"] == "candidate_left" and old not in str(entry["facts"])


def test_the_local_pause_survives_a_restart_and_resuming_lifts_it(tmp_path):
    with _open(tmp_path) as store:
        store.staff.pause("fault", "S0001")
    with _open(tmp_path) as store:
        pause = store.staff.local_pause()
        assert pause is not None and pause.reason == "fault" and pause.staff_number == "S0001"
        store.staff.resume("S0001")
    with _open(tmp_path) as store:
        assert store.staff.local_pause() is None


def test_a_confirmed_report_waits_for_the_uploader_until_sent(tmp_path):
    with _open(tmp_path) as store:
        store.staff.confirm_report(date(2026, 9, 2), {"day": "2026-09-02", "n": 1}, "S0002")
        store.staff.confirm_report(date(2026, 9, 2), {"day": "2026-09-02", "n": 2}, "S0002")
        assert store.staff.unreported_reports() == [{"day": "2026-09-02", "n": 2}]
        store.staff.mark_report_sent("2026-09-02")
        assert store.staff.unreported_reports() == []
