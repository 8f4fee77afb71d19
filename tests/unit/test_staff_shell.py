"""The staff side over a real session machine and store: the banner waits for the candidate,
taking over cancels the session (and counts it), a failed printout's session is kept for a
reprint from the panel, a staff card cannot confirm the day report. The card is the STAND-IN of
tests/ui/staffcard_standin.py (until the PC/SC fixture is on main)."""

from __future__ import annotations

import pytest

from kiosk.core import events as ev
from kiosk.core.staff_session import StaffView
from kiosk.staff_shell import StaffShell
from kiosk.store import KioskStore
from tests.ui.staffcard_standin import PIN, StandInReader
from tests.unit.test_session import STROKES, make, send, walk_to


@pytest.fixture
def store(tmp_path):
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as s:
        yield s


def _staff(session, store) -> tuple[StaffShell, StandInReader]:
    reader = StandInReader()
    staff = StaffShell(session, store, reader=reader, device_id="T-1")
    staff.start()
    return staff, reader


def _settle(staff: StaffShell) -> None:
    """Wait for the card calls and bookkeeping on the staff worker (post runs them at once)."""
    for _ in range(3):
        staff._worker.submit(lambda: None).result(timeout=5)


def _insert(staff: StaffShell, reader: StandInReader, holder: str = "staff") -> None:
    reader.insert(holder)
    for _ in range(100):
        _settle(staff)
        if staff.state.identified is not None:
            return
    raise AssertionError("the card was never identified")


def _sign_in(staff: StaffShell) -> None:
    assert staff.enter_pin(PIN)
    _settle(staff)
    assert staff.view is StaffView.PANEL


def test_a_card_during_a_session_waits_and_taking_over_cancels_the_session(store):
    shell, session = make()
    staff, reader = _staff(session, store)
    walk_to(shell, session, "check")
    _insert(staff, reader)
    assert staff.view is StaffView.BANNER and staff.screen is None
    staff.take_over()
    assert session.data is None and session.last_end_reason == "taken_over"
    assert staff.screen == "staff_pin"
    _sign_in(staff)
    _settle(staff)
    assert staff.day_counts()["collect"]["cancelled"] == 1


def test_the_banner_gives_way_to_the_pin_pad_when_the_candidate_finishes(store):
    shell, session = make()
    staff, reader = _staff(session, store)
    walk_to(shell, session, "done")
    _insert(staff, reader)
    assert staff.view is StaffView.BANNER
    send(shell, session, ev.Confirm())  # the candidate leaves the done screen
    assert session.data is None and staff.screen == "staff_pin"
    _settle(staff)
    assert store.staff.day_counts(staff.day_report().day)["collect"]["completed"] == 1


def test_a_failed_printouts_session_is_kept_and_printed_again_from_the_panel(store):
    shell, session = make(fail={"PrintLoginCard": "paper_out"})
    staff, reader = _staff(session, store)
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(STROKES))
    assert session.screen == "print" and session.data.print_failed == "paper_out"
    _insert(staff, reader)
    staff.take_over()
    assert session.screen == "print"  # kept: nothing on the kiosk can print it later
    _sign_in(staff)
    assert staff.can_reprint
    del shell.fail["PrintLoginCard"]  # staff loaded a roll
    staff.reprint()
    shell.settle(session)
    assert session.screen == "done" and len(shell.printed) == 1


def test_only_a_supervisor_confirms_the_day_report(store):
    _, session = make()
    staff, reader = _staff(session, store)
    _insert(staff, reader, "staff")
    _sign_in(staff)
    assert not staff.confirm_day_report() and store.staff.unreported_reports() == []
    reader.remove()
    _settle(staff)
    assert staff.view is StaffView.NONE
    _insert(staff, reader, "supervisor")
    _sign_in(staff)
    assert staff.confirm_day_report()
    [sent] = store.staff.unreported_reports()
    assert sent["confirmed_by"] == "T0002"


def test_pausing_closes_the_attract_screen_at_once_and_resuming_opens_it(store):
    from kiosk.staff_shell import pause_refusal

    _, session = make()
    session._refuse_start = lambda: pause_refusal(store)
    staff, reader = _staff(session, store)
    _insert(staff, reader)
    _sign_in(staff)
    staff.pause("closed_today")
    assert session.closed is not None and session.closed.reason.value == "service_paused"
    staff.resume()
    assert session.closed is None
