"""The session machine driven as the kiosk drives it, with effects carried out by a fake shell."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.core import events as ev
from kiosk.core.record import Signature
from kiosk.core.session import ATTRACT, NOTICE, Session, SessionSettings
from kiosk.core.steps import StepSettings
from kiosk.core.workflows import Workflow, WorkflowError, get_workflow
from tests.synthetic import resident

STROKES = (((0.1, 0.5, 0.0), (0.5, 0.6, 0.1), (0.9, 0.4, 0.2)),)
SIGNATURE = Signature(png=b"\x89PNG", strokes=STROKES)


class Shell:
    """Carries out effects at once, the way the app does later on its worker thread."""

    def __init__(self, fail: dict[str, str] | None = None) -> None:
        self.fail = fail or {}
        self.saved = []
        self.printed = []
        self.pending: list[ev.Effect] = []
        self.clock = 0.0
        self.serial = 0

    def run(self, effect: ev.Effect) -> None:
        self.pending.append(effect)

    def settle(self, session: Session) -> None:
        while self.pending:
            effect = self.pending.pop(0)
            name = type(effect).__name__
            if name in self.fail:
                session.handle(ev.EffectFailed(effect.session_id, name, self.fail[name]))
            elif isinstance(effect, ev.ReserveNumber):
                self.serial += 1
                session.handle(ev.NumberReserved(effect.session_id, f"4301{self.serial:04d}"))
            elif isinstance(effect, ev.SaveRecord):
                self.saved.append(effect.record)
                session.handle(ev.RecordSaved(effect.session_id))
            elif isinstance(effect, ev.PrintLoginCard):
                self.printed.append(effect.card)
                session.handle(ev.Printed(effect.session_id))


def make(fail=None, idle=90.0):
    shell = Shell(fail)
    session = Session(
        SessionSettings(
            get_workflow("collect"), StepSettings(device_id="T-1"), idle_timeout_s=idle
        ),
        run_effect=shell.run,
        now=lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        monotonic=lambda: shell.clock,
    )
    return shell, session


def send(shell, session, event):
    session.handle(event)
    shell.settle(session)


def walk_to(shell, session, screen):
    script = [
        (ev.CardPresented(resident()), "identity"),
        (ev.Confirm(), "photo"),
        (ev.PhotoTaken(b"\xff\xd8jpeg"), "photo"),
        (ev.Confirm(), "check"),
        (ev.Confirm(), "sign"),
        (ev.Signed(SIGNATURE), "done"),
    ]
    send(shell, session, ev.Start())
    for event, expected in script:
        if session.screen == screen:
            return
        send(shell, session, event)
        assert session.screen == expected
    assert session.screen == screen


def test_whole_journey_saves_one_complete_record_and_prints_the_card():
    shell, session = make()
    walk_to(shell, session, "done")
    (record,) = shell.saved
    assert record.sequence_number == "43010001"
    assert record.workflow == "collect" and record.device_id == "T-1"
    assert record.photo_jpeg.startswith(b"\xff\xd8") and record.signature.strokes == STROKES
    (card,) = shell.printed
    assert card.sequence_number == record.sequence_number
    assert card.initial_password == record.initial_password and len(card.initial_password) == 8
    assert card.masked_id_number == record.document.masked_id_number
    send(shell, session, ev.Confirm())
    assert session.screen == ATTRACT and session.data is None


def test_card_on_attract_screen_starts_the_session():
    shell, session = make()
    send(shell, session, ev.CardPresented(resident()))
    assert session.screen == "identity"


def test_expired_card_shows_notice_and_keeps_nothing():
    shell, session = make()
    send(shell, session, ev.Start())
    send(shell, session, ev.CardPresented(resident(valid_to=date(2026, 1, 1))))
    assert (session.screen, session.notice_code) == (NOTICE, "card_expired")
    assert session.data is None and not shell.saved
    send(shell, session, ev.Dismiss())
    assert session.screen == ATTRACT


def test_bad_check_digit_shows_notice():
    doc = resident()
    bad = doc.id_number[:17] + ("0" if doc.id_number[17] != "0" else "1")
    shell, session = make()
    send(shell, session, ev.CardPresented(resident(id_number=bad)))
    assert (session.screen, session.notice_code) == (NOTICE, "id_number_checksum")


def test_unreadable_card_sends_to_staff():
    shell, session = make()
    send(shell, session, ev.Start())
    send(shell, session, ev.CardFailed("card_read_failed"))
    assert session.notice_code == "card_unreadable"


@pytest.mark.parametrize("screen", ["card", "identity", "photo", "check", "sign"])
def test_idle_timeout_wipes_the_session(screen):
    shell, session = make(idle=30)
    walk_to(shell, session, screen)
    shell.clock += 29
    session.tick()
    assert session.screen == screen
    shell.clock += 2
    session.tick()
    assert session.screen == ATTRACT and session.data is None
    assert session.last_end_reason == "idle_timeout"


def test_touch_keeps_the_session_alive():
    shell, session = make(idle=30)
    walk_to(shell, session, "photo")
    shell.clock += 20
    session.touch()
    shell.clock += 20
    session.tick()
    assert session.screen == "photo"


@pytest.mark.parametrize("screen", ["card", "identity", "photo", "check", "sign"])
def test_cancel_wipes_the_session(screen):
    shell, session = make()
    walk_to(shell, session, screen)
    send(shell, session, ev.Cancel())
    assert session.screen == ATTRACT and session.data is None and not shell.saved


def test_cancel_is_ignored_once_the_record_is_saved():
    shell, session = make()
    walk_to(shell, session, "done")
    send(shell, session, ev.Cancel())
    assert session.screen == "done"


def test_done_screen_returns_by_itself():
    shell, session = make()
    walk_to(shell, session, "done")
    shell.clock += 11
    session.tick()
    assert session.screen == ATTRACT and session.last_end_reason == "completed"


def test_retakes_are_limited():
    shell, session = make()
    walk_to(shell, session, "photo")
    for _ in range(3):
        send(shell, session, ev.PhotoTaken(b"\xff\xd8"))
        send(shell, session, ev.Retake())
        assert session.screen == "photo" and session.data.photo_jpeg is None
    send(shell, session, ev.PhotoTaken(b"\xff\xd8"))
    send(shell, session, ev.Retake())
    assert session.notice_code == "photo_retakes_exhausted"


def test_exhausted_sequence_range_asks_staff():
    shell, session = make(fail={"ReserveNumber": "sequence_exhausted"})
    walk_to(shell, session, "photo")
    send(shell, session, ev.PhotoTaken(b"\xff\xd8"))
    send(shell, session, ev.Confirm())
    assert session.notice_code == "sequence_exhausted"


def test_check_cannot_be_confirmed_before_the_number_arrives():
    shell, session = make()
    walk_to(shell, session, "photo")
    send(shell, session, ev.PhotoTaken(b"\xff\xd8"))
    session.handle(ev.Confirm())  # number requested, not yet answered
    assert session.screen == "check" and session.data.sequence_number is None
    session.handle(ev.Confirm())
    assert session.screen == "check"
    shell.settle(session)
    send(shell, session, ev.Confirm())
    assert session.screen == "sign"


def test_print_failure_says_so_after_the_record_is_saved():
    shell, session = make(fail={"PrintLoginCard": "out_of_paper"})
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(SIGNATURE))
    assert len(shell.saved) == 1 and session.notice_code == "print_failed"


def test_save_failure_is_a_notice_not_a_crash():
    shell, session = make(fail={"SaveRecord": "disk_full"})
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(SIGNATURE))
    assert session.notice_code == "disk_full"


def test_late_answer_for_an_ended_session_is_dropped():
    shell, session = make()
    walk_to(shell, session, "photo")
    send(shell, session, ev.PhotoTaken(b"\xff\xd8"))
    session.handle(ev.Confirm())
    old = shell.pending[:]
    shell.pending.clear()
    session.handle(ev.Cancel())
    session.handle(ev.NumberReserved(old[0].session_id, "43019999"))
    assert session.screen == ATTRACT and session.data is None


def test_empty_signature_is_not_accepted():
    shell, session = make()
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(Signature(png=b"", strokes=())))
    assert session.screen == "sign" and not shell.saved


def test_workflow_validation():
    with pytest.raises(WorkflowError):
        Workflow("x", ("card", "nonsense", "done"))
    with pytest.raises(WorkflowError):
        Workflow("x", ("card", "identity"))


def test_a_refused_start_shows_the_reason_and_starts_nothing():
    shell = Shell()
    session = Session(
        SessionSettings(get_workflow("collect"), StepSettings(device_id="T-1")),
        run_effect=shell.run,
        refuse_start=lambda: "disk_full",
    )
    session.handle(ev.CardPresented(resident()))
    assert (session.screen, session.notice_code) == (NOTICE, "disk_full")
    assert session.data is None and not shell.pending
