"""The steps a workflow is made of. Each is a small class with a screen of the same name in ui.

A step reacts to events by changing the session's data and returning an `Outcome`: stay, go on
to the next step, stop with a notice for the candidate, or finish. It never does I/O: anything
slow or outside (a sequence number, saving, printing) is an effect the shell carries out. The
shared parts are in `step_base.py`; the second visits' steps in `confirm_steps.py`, the
exceptions' (entry, approve, form) in `exception_steps.py`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kiosk.core import confirm_steps, confirmation, exception_steps, record_limits
from kiosk.core import events as ev
from kiosk.core.errors import DocumentError
from kiosk.core.exception_cases import Dispute, StaffStamp
from kiosk.core.login_card import LoginCard, new_initial_password
from kiosk.core.notices import Notice
from kiosk.core.record import Record, new_record_id
from kiosk.core.step_base import (
    CARD_REMOVED,
    CHINA_TZ,
    FINISH,
    NEXT,
    STAY,
    Outcome,
    SessionData,
    Step,
    StepSettings,
    everyone,
    notice,
    resolve_dispute,
    sealing_answered,
    stay,
)

__all__ = ["CHINA_TZ", "STEPS", "Outcome", "SessionData", "Step", "StepSettings", "everyone",
           "assemble_record", "login_card"]


class CardStep(Step):
    name = "card"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.CardPresented):
            try:
                data.document = event.document.validate(now.astimezone(CHINA_TZ).date())
            except DocumentError as exc:
                return notice(Notice.for_code(exc.code))
            # Before anything is collected (no number reserved, no photo): a window of
            # some areas only turns the others away, in words, and the session ends.
            if not settings.admits(data.workflow, data.document.address_code, now):
                return notice(Notice.NOT_IN_AUDIENCE)
            return NEXT
        # A card lifted while it was being read is not a failure: the candidate is still
        # placing it. Only a card the reader gave up on is.
        if isinstance(event, ev.CardFailed) and event.code != CARD_REMOVED:
            return notice(Notice.CARD_UNREADABLE)
        return STAY


class IdentityStep(Step):
    name = "identity"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if data.dispute is not None:
            return resolve_dispute(event, data, Notice.IDENTITY_DISPUTED)
        if isinstance(event, ev.Confirm):
            return NEXT
        if isinstance(event, ev.Dispute):
            data.dispute = Dispute("not_me", event.fields)
        return STAY


class PhotoStep(Step):
    """Preview until auto-capture hands over a frame; the standard photo is made from it (an
    effect, off the UI thread); then the candidate reviews it: accept (Confirm) or retake."""

    name = "photo"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.Capture) and data.photo_jpeg is None and not data.photo_taking:
            data.photo_taking = True
            return stay(ev.EncodePhoto(data.session_id, event.image, event.analysis))
        if isinstance(event, ev.PhotoTaken) and data.photo_taking:
            data.photo_taking, data.photo_jpeg = False, event.jpeg
        elif isinstance(event, ev.PhotoRefused | ev.EffectFailed) and data.photo_taking:
            data.photo_taking = False  # guided again: the screen starts a new streak
        elif isinstance(event, ev.Retake) and data.photo_jpeg is not None:
            if data.photo_retakes >= settings.max_photo_retakes:
                return notice(Notice.PHOTO_RETAKES_EXHAUSTED)
            data.photo_retakes += 1
            data.photo_jpeg = None
        elif isinstance(event, ev.Confirm) and data.photo_jpeg is not None:
            return NEXT
        return STAY


class CheckStep(Step):
    """Every field for the candidate to confirm: on a first visit the newly assigned sequence
    number among them; on the adult exam's confirmation the online registration, whose rows
    as shown (and their hash) go into the record. "信息有误" calls staff
    (`confirm_steps.request_correction`)."""

    name = "check"

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        if data.registration is not None:
            confirm_steps.show_rows(data, settings, now)
        if data.sequence_number is None:
            return stay(ev.ReserveNumber(data.session_id))
        return STAY

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.NumberReserved):
            data.sequence_number = event.number
        elif isinstance(event, ev.EffectFailed):
            return notice(Notice.for_code(event.code))
        elif data.dispute is not None:
            outcome = resolve_dispute(event, data, Notice.DATA_DISPUTED)
            if outcome.kind == "next":  # marked for central correction: confirmed as it is
                if data.sequence_number is None:
                    return STAY
                if data.registration is not None:
                    data.shown_sha256 = confirmation.shown_sha256(data.shown_rows)
                data.confirmed_at = now
            return outcome
        elif isinstance(event, ev.Confirm) and data.sequence_number is not None:
            if data.registration is not None:
                data.shown_sha256 = confirmation.shown_sha256(data.shown_rows)
            data.confirmed_at = now
            return NEXT
        elif isinstance(event, ev.Dispute):
            return confirm_steps.request_correction(data, event.fields)
        return STAY


class SignStep(Step):
    """The signature completes the record: its picture is drawn (an effect), then the record is
    assembled, checked against the size caps (`record_limits`) and handed over to be sealed."""

    name = "sign"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.Signed) and not data.saving:
            if not event.strokes:
                return STAY
            if record_limits.strokes_problem(event.strokes) is not None:
                return notice(Notice.RECORD_TOO_LARGE)
            data.saving, data.strokes = True, event.strokes
            return stay(ev.RenderSignature(data.session_id, event.strokes))
        if isinstance(event, ev.SignatureRendered) and data.saving and data.signature is None:
            data.signature = event.signature
            data.strokes = None
            data.signed_at = now
            return complete_record(data, settings, now)
        return sealing_answered(event, data) or STAY


def complete_record(data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
    """The record is whole (signed, or confirmed by phone): assembled, checked against the
    size caps (`record_limits`) before sealing, so a record over a cap is never sealed and
    never refused later, then sealed, or held for a supervisor's approval."""
    if data.registration is None:  # the login card's, on a first visit only
        data.initial_password = new_initial_password()
    record = assemble_record(data, settings, now)
    try:
        record_limits.check_record(record)
    except record_limits.RecordTooLarge:
        data.saving = False
        return notice(Notice.RECORD_TOO_LARGE)
    data.record_id = record.record_id
    if data.exception is not None and data.exception.needs_approval:
        # Not sealed yet: a supervisor approves it first (the approve step).
        data.saving, data.pending_record = False, record
        return NEXT
    data.saving = True
    return stay(ev.SaveRecord(data.session_id, record))


class PhoneStep(Step):
    """A candidate who cannot come (`Case.CANNOT_COME`): staff read the entered data back to
    them by phone, and the candidate's confirmation, given in a signed-in staff member's name,
    stands where the signature would; the photo and the signature follow when the candidate
    comes to verify the card. The record then waits for a supervisor like any hand entry."""

    name = "phone"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        rule = None if data.exception is None else data.exception.rule
        if isinstance(event, ev.PhoneConfirmed) and rule is not None \
                and rule.confirmed_by_phone and data.record_id is None \
                and data.confirmed_at is not None and event.staff.may("exception"):
            assert data.exception is not None
            data.exception = replace(data.exception, phoned_by=StaffStamp.of(event.staff))
            data.signed_at = now
            return complete_record(data, settings, now)
        return sealing_answered(event, data) or STAY


class PrintStep(Step):
    """Print the login card. If the printer fails, the record is already sealed and queued:
    the step stays, says so and offers the printout again (`Retake`) for as long as the
    session is open, since after it nothing on the kiosk can read the card's password back;
    `Dismiss` leaves without it (a reprint is then the central system's job)."""

    name = "print"

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        return self._print(data, settings, now)

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.Printed) and data.printing:
            data.printing = False
            return NEXT
        if isinstance(event, ev.EffectFailed) and data.printing:
            data.printing, data.print_failed = False, event.code
            return STAY
        if data.print_failed is not None and not data.printing:
            if isinstance(event, ev.Retake | ev.Confirm):
                return self._print(data, settings, now)
            if isinstance(event, ev.Dismiss):
                return FINISH
        return STAY

    def can_cancel(self, data: SessionData) -> bool:
        """Not while printing; after a failure the idle timeout may end it like any step."""
        return data.print_failed is not None and not data.printing

    @staticmethod
    def _print(data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        data.printing, data.print_failed = True, None
        return stay(ev.PrintLoginCard(data.session_id, login_card(data, settings, now)))


class PrintFormStep(PrintStep):
    """Print the second visit's A4 form (the registration form with the signature, or the
    adult exam's flow sheet) once the record is sealed; a failed printout may be asked for
    again, as with the login card."""

    name = "print_form"

    @staticmethod
    def _print(data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        assert data.registration is not None
        data.printing, data.print_failed = True, None
        form = confirmation.PRINTED[data.registration.exam]
        return stay(ev.PrintForm(data.session_id, form,
                                 confirm_steps.form_data(data, settings, now)))


class DoneStep(Step):
    name = "done"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.Confirm | ev.Dismiss):
            return FINISH
        return STAY

    def can_cancel(self, data: SessionData) -> bool:
        return False


_ALL: tuple[type[Step], ...] = (
    CardStep, IdentityStep, PhotoStep, CheckStep, SignStep, PhoneStep, PrintStep, PrintFormStep,
    DoneStep,
    *confirm_steps.STEPS, *exception_steps.STEPS,
)
STEPS: dict[str, type[Step]] = {cls.name: cls for cls in _ALL}


def assemble_record(data: SessionData, settings: StepSettings, now: datetime) -> Record:
    """The record from what the steps collected; a missing part is a bug, not a user error.
    A first visit needs its photo and new number; a second visit its confirmation (and the
    photo too for the adult exam)."""
    rule = None if data.exception is None else data.exception.rule
    by_phone = rule is not None and rule.confirmed_by_phone  # photo and signature follow
    needed = ["document", "sequence_number", "confirmed_at"]
    if not by_phone:
        needed.append("signature")
        if data.registration is None or data.registration.exam == "adult":
            needed.append("photo_jpeg")
    missing = [name for name in needed if getattr(data, name) is None]
    if missing:
        raise RuntimeError(f"record incomplete: {', '.join(missing)}")
    assert data.document and data.sequence_number
    assert data.confirmed_at and data.signed_at
    assert data.initial_password or data.registration
    return Record(
        record_id=new_record_id(),
        workflow=data.workflow,
        device_id=settings.device_id,
        sequence_number=data.sequence_number,
        document=data.document,
        photo_jpeg=data.photo_jpeg,
        signature=data.signature,
        initial_password=data.initial_password,
        started_at=data.started_at,
        confirmed_at=data.confirmed_at,
        signed_at=data.signed_at,
        created_at=now,
        confirmation=confirm_steps.confirmation_of(data),
        exception=data.exception,
    )


def login_card(data: SessionData, settings: StepSettings, now: datetime) -> LoginCard:
    assert data.document and data.sequence_number and data.initial_password
    return LoginCard(
        sequence_number=data.sequence_number,
        initial_password=data.initial_password,
        name=data.document.name,
        masked_id_number=data.document.masked_id_number,
        web_address=settings.web_address,
        printed_at=now.astimezone(CHINA_TZ),
    )

