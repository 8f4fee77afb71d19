"""The session machine driven as the kiosk drives it, with effects carried out by a fake shell."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.core import events as ev
from kiosk.core.notices import Notice
from kiosk.core.record import Signature
from kiosk.core.session import ATTRACT, NOTICE, Session, SessionSettings
from kiosk.core.steps import StepSettings
from kiosk.core.workflows import Workflow, WorkflowError, get_workflow
from tests.synthetic import resident

STROKES = (((0.1, 0.5, 0.0), (0.5, 0.6, 0.1), (0.9, 0.4, 0.2)),)
FRAME = object()  # a camera frame: opaque to core
CAPTURE = ev.Capture(image=FRAME, analysis=None)


class Shell:
    """Carries out effects at once, the way the app does later on its worker thread."""

    def __init__(self, fail: dict[str, str] | None = None, refuse_photos: int = 0) -> None:
        self.fail = fail or {}
        self.refuse_photos = refuse_photos  # refuse this many photos before making one
        self.encoded: list[object] = []
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
            elif isinstance(effect, ev.EncodePhoto):
                self.encoded.append(effect.image)
                if self.refuse_photos > 0:
                    self.refuse_photos -= 1
                    session.handle(ev.PhotoRefused(effect.session_id, ("blurred",)))
                else:
                    session.handle(ev.PhotoTaken(effect.session_id, b"\xff\xd8jpeg"))
            elif isinstance(effect, ev.RenderSignature):
                png = Signature(png=b"\x89PNG", strokes=effect.strokes)
                session.handle(ev.SignatureRendered(effect.session_id, png))


def make(fail=None, idle=90.0, refuse_photos=0):
    shell = Shell(fail, refuse_photos)
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
        (CAPTURE, "photo"),
        (ev.Confirm(), "check"),
        (ev.Confirm(), "sign"),
        (ev.Signed(STROKES), "done"),
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
        send(shell, session, CAPTURE)
        send(shell, session, ev.Retake())
        assert session.screen == "photo" and session.data.photo_jpeg is None
    send(shell, session, CAPTURE)
    send(shell, session, ev.Retake())
    assert session.notice_code == "photo_retakes_exhausted"


def test_exhausted_sequence_range_asks_staff():
    shell, session = make(fail={"ReserveNumber": "sequence_exhausted"})
    walk_to(shell, session, "photo")
    send(shell, session, CAPTURE)
    send(shell, session, ev.Confirm())
    assert session.notice_code == "sequence_exhausted"


def test_check_cannot_be_confirmed_before_the_number_arrives():
    shell, session = make()
    walk_to(shell, session, "photo")
    send(shell, session, CAPTURE)
    session.handle(ev.Confirm())  # number requested, not yet answered
    assert session.screen == "check" and session.data.sequence_number is None
    session.handle(ev.Confirm())
    assert session.screen == "check"
    shell.settle(session)
    send(shell, session, ev.Confirm())
    assert session.screen == "sign"


def test_print_failure_stays_on_print_and_prints_again_once_the_printer_is_back():
    shell, session = make(fail={"PrintLoginCard": "paper_out"})
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(STROKES))
    assert len(shell.saved) == 1 and shell.printed == []
    assert session.screen == "print" and session.data.print_failed == "paper_out"
    assert session.notice_code is None and session.can_cancel  # the idle timeout applies
    send(shell, session, ev.Retake())  # still out of paper: says so again
    assert session.screen == "print" and session.data.print_failed == "paper_out"
    del shell.fail["PrintLoginCard"]  # staff loaded a roll
    send(shell, session, ev.Retake())
    assert session.screen == "done" and len(shell.printed) == 1 and len(shell.saved) == 1
    assert shell.printed[0].sequence_number == shell.saved[0].sequence_number


def test_print_failure_can_be_left_without_the_printout():
    shell, session = make(fail={"PrintLoginCard": "cover_open"})
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(STROKES))
    send(shell, session, ev.Dismiss())
    assert session.screen == "attract" and session.data is None and len(shell.saved) == 1


def test_no_second_print_while_one_is_running():
    shell, session = make(fail={"PrintLoginCard": "offline"})
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(STROKES))
    del shell.fail["PrintLoginCard"]
    session.handle(ev.Retake())  # printing, not yet answered
    session.handle(ev.Retake())
    session.handle(ev.Dismiss())
    assert len(shell.pending) == 1 and session.screen == "print" and not session.can_cancel
    shell.settle(session)
    assert session.screen == "done" and len(shell.printed) == 1


def test_save_failure_is_a_notice_not_a_crash():
    shell, session = make(fail={"SaveRecord": "disk_full"})
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(STROKES))
    assert session.notice_code == "disk_full"


def test_late_answer_for_an_ended_session_is_dropped():
    shell, session = make()
    walk_to(shell, session, "photo")
    send(shell, session, CAPTURE)
    session.handle(ev.Confirm())
    old = shell.pending[:]
    shell.pending.clear()
    session.handle(ev.Cancel())
    session.handle(ev.NumberReserved(old[0].session_id, "43019999"))
    assert session.screen == ATTRACT and session.data is None


def test_empty_signature_is_not_accepted():
    shell, session = make()
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(()))
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
        refuse_start=lambda: Notice.DISK_FULL,
    )
    session.handle(ev.CardPresented(resident()))
    assert (session.screen, session.notice_code) == (NOTICE, "disk_full")
    assert session.data is None and not shell.pending


def test_the_photo_is_made_from_the_frame_auto_capture_chose():
    shell, session = make()
    walk_to(shell, session, "photo")
    send(shell, session, CAPTURE)
    assert shell.encoded == [FRAME] and session.data.photo_jpeg == b"\xff\xd8jpeg"
    send(shell, session, ev.Capture(image=object(), analysis=None))  # reviewing: no new photo
    assert len(shell.encoded) == 1


def test_a_refused_photo_guides_again_and_the_next_capture_is_taken():
    shell, session = make(refuse_photos=1)
    walk_to(shell, session, "photo")
    send(shell, session, CAPTURE)
    assert session.data.photo_jpeg is None and not session.data.photo_taking
    assert session.data.photo_retakes == 0  # a refusal is not a retake
    send(shell, session, CAPTURE)
    assert session.data.photo_jpeg is not None


def test_a_card_lifted_mid_read_is_not_an_unreadable_card():
    shell, session = make()
    send(shell, session, ev.Start())
    send(shell, session, ev.CardFailed("card_removed"))
    assert session.screen == "card"


def test_a_face_before_the_camera_keeps_the_session_alive():
    shell, session = make(idle=30)
    walk_to(shell, session, "photo")
    for _ in range(4):
        shell.clock += 20
        session.handle(ev.FaceSeen())
        session.tick()
    assert session.screen == "photo"
    shell.clock += 31
    session.tick()
    assert session.screen == ATTRACT and session.last_end_reason == "idle_timeout"


def test_a_face_on_the_attract_screen_starts_nothing():
    shell, session = make()
    session.handle(ev.FaceSeen())
    assert session.screen == ATTRACT and session.data is None


def test_an_error_code_without_a_notice_of_its_own_asks_staff():
    shell, session = make(fail={"SaveRecord": "seal_key_missing"})
    walk_to(shell, session, "sign")
    send(shell, session, ev.Signed(STROKES))
    assert session.notice_code is Notice.ASK_STAFF and not shell.saved


def test_a_new_workflow_applies_at_the_next_candidate_never_mid_session():
    """The central bundle drops the login card's print step while a candidate is served: that
    candidate still gets the card; the next one's journey has no print step."""
    shell, _ = make()
    collect = SessionSettings(get_workflow("collect"), StepSettings(device_id="T-1"))
    no_print = SessionSettings(Workflow("collect", ("card", "identity", "photo", "check", "sign",
                                                    "done")), StepSettings(device_id="T-1"))
    in_force = [collect]
    session = Session(collect, run_effect=shell.run,
                      now=lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
                      monotonic=lambda: shell.clock, settings_now=lambda: in_force[0])
    send(shell, session, ev.Start())
    in_force[0] = no_print  # applied by the updater mid-session
    walk_to(shell, session, "done")
    assert len(shell.saved) == len(shell.printed) == 1
    send(shell, session, ev.Confirm())
    assert session.screen == ATTRACT

    walk_to(shell, session, "done")
    assert len(shell.saved) == 2 and len(shell.printed) == 1  # no card for the second
    assert session.settings.workflow.steps[-2:] == ("sign", "done")
