"""The staff side over a real session machine and store, with staff cards through pcscd + vpcd
and the PIV emulator (the real PC/SC adapter, the sign-in with the persistent lockout): the
banner waits for the candidate, taking over cancels the session (and counts it), a failed
printout's session is kept for a reprint from the panel, a staff card cannot confirm the day
report, a pause closes the attract screen at once."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from central_api_client.day_report import (
    DayReportFormatError,
    parse_day_report,
    verify_card_signature,
)
from hardware.staffcard.pcsc import open_staffcard_reader
from kiosk.core import events as ev
from kiosk.core.staff import LockoutPolicy
from kiosk.core.staff_session import StaffView
from kiosk.staff_shell import StaffShell
from kiosk.staff_signin import sign_in
from kiosk.store import KioskStore
from provisioning.admin.staff_ca import pem
from tests.integration.pcsc_server import PrivatePcscd
from tests.integration.staff_cards import COUNTY, make_ca, make_card
from tests.ui.staff_card_slot import PIN
from tests.unit.test_session import STROKES, make, send, walk_to


@pytest.fixture
def store(tmp_path):
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as s:
        yield s


class Slot:
    """Cards by role into the session's vpcd reader."""

    def __init__(self, pcscd: PrivatePcscd, folder) -> None:
        self.pcscd, self.ca = pcscd, make_ca(folder / "ca")
        self.cards = {role: make_card(folder / f"{role}.json", self.ca, role=role, pin=PIN,
                                      staff_number=f"S-000{i}")
                      for i, role in enumerate(("staff", "supervisor"), start=1)}

    def insert(self, role: str) -> None:
        self.pcscd.insert(self.cards[role])

    def remove(self) -> None:
        self.pcscd.remove()


@pytest.fixture
def slot(reader_slot: PrivatePcscd, tmp_path) -> Slot:
    return Slot(reader_slot, tmp_path)


@pytest.fixture
def staff_of(store, slot: Slot):
    """The staff side of a session, its reader watching the vpcd reader; stopped after."""
    made: list[StaffShell] = []

    def make_staff(session) -> tuple[StaffShell, Slot]:
        reader = open_staffcard_reader(slot.pcscd.reader_uri, ca_pem=pem(slot.ca.cert),
                                       county=COUNTY)
        staff = StaffShell(session, store, reader=reader, device_id="T-1",
                           sign_in=lambda card, pin: sign_in(card, pin, store.staff_lockout,
                                                             LockoutPolicy()))
        staff.start()
        made.append(staff)
        return staff, slot

    yield make_staff
    for staff in made:
        staff.stop()


def _settle(staff: StaffShell) -> None:
    """Wait for the card calls and bookkeeping on the staff worker (post runs them at once)."""
    for _ in range(3):
        staff._worker.submit(lambda: None).result(timeout=5)


def _insert(staff: StaffShell, slot: Slot, holder: str = "staff") -> None:
    slot.insert(holder)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _settle(staff)
        if staff.state.identified is not None:
            return
        time.sleep(0.02)
    raise AssertionError("the card was never identified")


def _sign_in(staff: StaffShell) -> None:
    assert staff.enter_pin(PIN)
    _settle(staff)
    assert staff.view is StaffView.PANEL


def test_a_card_during_a_session_waits_and_taking_over_cancels_the_session(store, staff_of):
    shell, session = make()
    staff, reader = staff_of(session)
    walk_to(shell, session, "check")
    _insert(staff, reader)
    assert staff.view is StaffView.BANNER and staff.screen is None
    staff.take_over()
    assert session.data is None and session.last_end_reason == "taken_over"
    assert staff.screen == "staff_pin"
    _sign_in(staff)
    _settle(staff)
    assert staff.day_counts()["collect"]["cancelled"] == 1


def test_the_banner_gives_way_to_the_pin_pad_when_the_candidate_finishes(store, staff_of):
    shell, session = make()
    staff, reader = staff_of(session)
    walk_to(shell, session, "done")
    _insert(staff, reader)
    assert staff.view is StaffView.BANNER
    send(shell, session, ev.Confirm())  # the candidate leaves the done screen
    assert session.data is None and staff.screen == "staff_pin"
    _settle(staff)
    assert store.staff.day_counts(staff.day_report().day)["collect"]["completed"] == 1


def test_a_failed_printouts_session_is_kept_and_printed_again_from_the_panel(store, staff_of):
    shell, session = make(fail={"PrintLoginCard": "paper_out"})
    staff, reader = staff_of(session)
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


def test_only_a_supervisor_confirms_the_day_report(store, staff_of):
    _, session = make()
    staff, reader = staff_of(session)
    _insert(staff, reader, "staff")
    _sign_in(staff)
    assert not staff.confirm_day_report() and store.staff.unreported_reports() == []
    reader.remove()
    deadline = time.monotonic() + 10  # the reader's watcher reports the removal in its time
    while staff.view is not StaffView.NONE and time.monotonic() < deadline:
        _settle(staff)
        time.sleep(0.02)
    assert staff.view is StaffView.NONE
    _insert(staff, reader, "supervisor")
    _sign_in(staff)
    # "signing" until the card's worker answers, which may already have happened here
    assert staff.confirm_day_report() and staff.report_state in ("signing", "confirmed")
    _settle(staff)
    assert staff.report_state == "confirmed"
    [sent] = store.staff.unreported_reports()
    assert sent["confirmed_by"] == "S-0002"
    # The supervisor's card signed the report itself: the province checks it with the
    # certificate the report carries, which is the card's that signed in.
    report = parse_day_report(sent)
    verify_card_signature(report, "T-1")
    assert report.card_fingerprint == staff.member.fingerprint
    forged = replace(report, numbers_voided=report.numbers_voided + 1)
    with pytest.raises(DayReportFormatError, match="does not verify"):
        verify_card_signature(forged, "T-1")


def test_pausing_closes_the_attract_screen_at_once_and_resuming_opens_it(store, staff_of):
    from kiosk.staff_shell import pause_refusal

    _, session = make()
    session._refuse_start = lambda: pause_refusal(store)
    staff, reader = staff_of(session)
    _insert(staff, reader)
    _sign_in(staff)
    staff.pause("closed_today")
    assert session.closed is not None and session.closed.reason.value == "service_paused"
    staff.resume()
    assert session.closed is None


def test_a_signed_in_card_turns_the_voice_off_for_good_and_the_audit_log_says_who(store,
                                                                                  staff_of):
    _, session = make()
    staff, reader = staff_of(session)
    with pytest.raises(PermissionError):
        staff.set_voice(False)  # nobody signed in
    _insert(staff, reader)
    _sign_in(staff)
    assert staff.voice_off is False
    staff.set_voice(False)
    assert staff.voice_off is True and store.staff.voice_off() is True
    entry = store.audit.entries(last=1)[0]
    assert entry.event == "kiosk.voice_off" and "S-0001" in entry.facts
    staff.set_voice(True)
    assert store.staff.voice_off() is False
