"""The panel's rules: the local pause as a closure, counting session ends, the day report."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.core.closed import closed_words
from kiosk.core.day_report import build_day_report, report_rows
from kiosk.core.exception_cases import Case
from kiosk.core.schedule import Closed
from kiosk.core.staff_panel import (
    EXCEPTION_CASES,
    LocalPause,
    china_day,
    day_bounds,
    outcome_of,
    tally,
)
from kiosk.core.texts import text


def test_a_local_pause_closes_the_kiosk_with_the_staff_reasons_words():
    refusal = LocalPause("break", "S0001", "2026-09-02T01:00:00.000Z").refusal()
    assert refusal.reason is Closed.PAUSED
    for lang in ("zh", "en"):
        assert closed_words(refusal, lang)[1] == text("local_pause_break", lang)


def test_a_stored_pause_that_cannot_be_read_is_no_pause():
    assert LocalPause.from_json({"reason": "gone", "staff_number": "S1", "at": "x"}) is None
    assert LocalPause.from_json("break") is None
    assert LocalPause.from_json(None) is None
    pause = LocalPause("fault", "S1", "x")
    assert LocalPause.from_json(pause.as_json()) == pause


@pytest.mark.parametrize(("reason", "on_notice", "counted"), [
    ("completed", False, "completed"), ("cancelled", False, "cancelled"),
    ("taken_over", False, "cancelled"), ("idle_timeout", False, "timed_out"),
    ("notice_dismissed", True, "exception"), (None, True, "exception"),
])
def test_each_session_end_counts_as_one_outcome(reason, on_notice, counted):
    assert outcome_of(reason, on_notice) == counted


def test_tally_counts_every_session_as_started():
    counts = tally([("collect", "completed"), ("collect", None), ("confirm", "exception")])
    assert counts["collect"] == {"started": 2, "completed": 1, "cancelled": 0, "timed_out": 0,
                                 "exception": 0}
    assert counts["confirm"]["exception"] == 1


def test_the_day_is_chinas_calendar_day():
    assert china_day(datetime(2026, 9, 1, 16, 30, tzinfo=UTC)) == date(2026, 9, 2)
    start, end = day_bounds(date(2026, 9, 2))
    assert start == datetime(2026, 9, 1, 16, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 86400


def test_every_exception_case_and_its_words():
    assert len(set(EXCEPTION_CASES)) == len(EXCEPTION_CASES) == 7
    assert set(EXCEPTION_CASES) == {c.value for c in Case} | {"dispute"}
    for code in EXCEPTION_CASES:
        assert text(f"exception_{code}", "zh") and text(f"exception_{code}", "en")


def test_the_day_reports_rows_say_counts_numbers_voids_exceptions_and_queue():
    report = build_day_report(
        day=date(2026, 9, 2), device_id="KIOSK-0001",
        counts={"collect": {"started": 5, "completed": 3, "cancelled": 1, "timed_out": 0,
                            "exception": 1}},
        numbers={"used": 3, "voided": 2, "void_reasons": {"candidate_left": 2}}, queue_depth=4)
    rows = dict(report_rows(report, "en"))
    assert rows["Workflow collect"].startswith("started 5 · completed 3 · cancelled 1")
    assert rows["Numbers used"] == "3" and rows["Numbers voided"] == "2"
    assert rows["of which: Candidate left"] == "2" and rows["Exceptions"] == "1"
    assert rows["Records queued"] == "4" and "Confirmed by (staff no.)" not in rows
    confirmed = report.confirmed("S0002", "cd" * 32, datetime(2026, 9, 2, 10, tzinfo=UTC))
    assert dict(report_rows(confirmed, "en"))["Confirmed by (staff no.)"] == "S0002"
