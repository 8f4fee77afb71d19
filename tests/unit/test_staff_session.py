"""The staff session machine: card in, PIN pad or banner, signed in, and every way it ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.core.staff import StaffCardError, StaffMember, StaffSessionLimits
from kiosk.core.staff_session import StaffPhase, StaffSession, StaffView

T0 = datetime(2026, 9, 2, 1, 0, tzinfo=UTC)
STAFF = StaffMember(name="测试员甲", staff_number="S0001", role="staff", county="430102",
                    point="", not_after=T0 + timedelta(days=90), fingerprint="ab" * 32)


def _signed_in(limits: StaffSessionLimits | None = None) -> StaffSession:
    s = StaffSession(limits=limits or StaffSessionLimits())
    s.card_inserted(candidate_busy=False)
    s.pin_pad_shown(T0)
    assert s.pin_sent(T0)
    s.signed_in(STAFF, T0)
    return s


def test_between_candidates_the_pin_pad_opens_at_once_and_the_right_pin_opens_the_panel():
    s = StaffSession()
    s.card_inserted(candidate_busy=False)
    assert s.view is StaffView.PIN
    assert s.pin_sent(T0) and s.phase is StaffPhase.CHECKING and s.view is StaffView.PIN
    s.signed_in(STAFF, T0)
    assert s.view is StaffView.PANEL and s.member == STAFF


def test_during_a_candidates_session_a_banner_waits_until_the_session_ends():
    s = StaffSession()
    s.card_inserted(candidate_busy=True)
    assert s.view is StaffView.BANNER and not s.pin_sent(T0)
    s.candidate_done()
    assert s.view is StaffView.PIN


def test_taking_over_opens_the_pin_pad_only_from_the_banner():
    s = StaffSession()
    assert not s.take_over()
    s.card_inserted(candidate_busy=True)
    assert s.take_over() and s.view is StaffView.PIN


def test_a_wrong_pin_shows_tries_left_and_the_pad_takes_another():
    s = StaffSession()
    s.card_inserted(candidate_busy=False)
    s.pin_sent(T0)
    s.card_refused(StaffCardError("wrong_pin", tries_left=14), T0)
    assert s.phase is StaffPhase.PIN and s.error == "wrong_pin" and s.tries_left == 14
    assert s.pin_sent(T0)


def test_a_lockout_refuses_pins_for_its_seconds():
    s = StaffSession()
    s.card_inserted(candidate_busy=False)
    s.pin_sent(T0)
    s.card_refused(StaffCardError("locked_out", seconds=30), T0)
    assert s.lockout_left(T0 + timedelta(seconds=1)) == 29
    assert not s.pin_sent(T0 + timedelta(seconds=29))
    assert s.pin_sent(T0 + timedelta(seconds=30))


def test_a_blocked_pin_or_an_untrusted_card_takes_no_pin():
    for code in ("pin_blocked", "untrusted_card", "expired_card", "wrong_county"):
        s = StaffSession()
        s.card_inserted(candidate_busy=False)
        s.card_refused(StaffCardError(code), T0)
        assert s.view is StaffView.PIN and s.error == code and not s.pin_sent(T0)


def test_a_late_answer_for_a_removed_card_changes_nothing():
    s = StaffSession()
    s.card_inserted(candidate_busy=False)
    s.pin_sent(T0)
    assert s.card_removed() == "card_removed"
    s.signed_in(STAFF, T0)
    assert s.view is StaffView.NONE and s.member is None


def test_removing_the_card_ends_a_signed_in_session_at_once():
    s = _signed_in()
    assert s.card_removed() == "card_removed"
    assert s.view is StaffView.NONE and s.member is None and s.last_end == "card_removed"


def test_the_panel_closes_after_the_idle_time_and_a_touch_keeps_it_open():
    s = _signed_in(StaffSessionLimits(idle_s=300))
    s.touch(T0 + timedelta(seconds=200))
    assert s.tick(T0 + timedelta(seconds=499)) is None
    assert s.tick(T0 + timedelta(seconds=500)) == "idle"
    assert s.view is StaffView.NONE


def test_the_panel_closes_after_twelve_hours_however_busy():
    s = _signed_in()
    for minute in range(1, 12 * 60, 4):
        s.touch(T0 + timedelta(minutes=minute))
        assert s.tick(T0 + timedelta(minutes=minute)) is None
    assert s.tick(T0 + timedelta(hours=12)) == "max_age"


def test_a_pin_pad_left_alone_closes_after_the_idle_time():
    s = StaffSession(limits=StaffSessionLimits(idle_s=60))
    s.card_inserted(candidate_busy=False)
    s.pin_pad_shown(T0)
    assert s.tick(T0 + timedelta(seconds=59)) is None
    assert s.tick(T0 + timedelta(seconds=60)) == "idle"


def test_signing_out_ends_the_session():
    s = _signed_in()
    assert s.sign_out() == "signed_out" and s.view is StaffView.NONE
