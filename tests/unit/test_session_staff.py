"""What the session machine offers the staff side: taking over ends a session as Cancel does
(never mid-save), the done screen counts as completed, and a pause shows on the attract screen
at once."""

from __future__ import annotations

from kiosk.core import events as ev
from kiosk.core.schedule import Closed, Refusal
from kiosk.core.session import ATTRACT
from tests.unit.test_session import STROKES, make, send, walk_to


def test_taking_over_ends_the_session_like_cancel_and_keeps_nothing():
    shell, session = make()
    walk_to(shell, session, "check")
    assert session.may_take_over and session.take_over()
    assert session.screen == ATTRACT and session.data is None
    assert session.last_end_reason == "taken_over" and shell.saved == []


def test_no_take_over_while_the_record_is_being_saved():
    shell, session = make()
    walk_to(shell, session, "sign")
    session.handle(ev.Signed(STROKES))  # the signature goes to be rendered and saved
    assert not session.may_take_over and not session.take_over()
    shell.settle(session)
    assert session.screen == "done" and len(shell.saved) == 1


def test_taking_over_on_the_done_screen_counts_as_completed():
    shell, session = make()
    walk_to(shell, session, "done")
    assert session.take_over() and session.last_end_reason == "completed"


def test_nothing_to_take_over_between_candidates():
    _, session = make()
    assert not session.may_take_over and not session.take_over()


def test_a_pause_shows_on_the_attract_screen_at_once():
    shell, session = make()
    paused: list[Refusal] = []
    session._refuse_start = lambda: paused[0] if paused else None
    session.tick()
    assert session.closed is None
    paused.append(Refusal(Closed.PAUSED))
    session.ask_gate_now()  # not waiting for gate_refresh_s
    assert session.closed == Refusal(Closed.PAUSED)
    send(shell, session, ev.Start())
    assert session.screen == "notice" and session.data is None
