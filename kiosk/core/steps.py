"""The steps a workflow is made of. Each is a small class with a screen of the same name in ui.

A step reacts to events by changing the session's data and returning an `Outcome`: stay, go on
to the next step, stop with a notice for the candidate, or finish. It never does I/O: anything
slow or outside (a sequence number, saving, printing) is an effect the shell carries out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import ClassVar, Literal

from kiosk.core import events as ev
from kiosk.core import record_limits
from kiosk.core.documents import IdentityDocument
from kiosk.core.errors import DocumentError
from kiosk.core.exception_cases import ApprovalPolicy, Dispute, ExceptionInfo, dispute_actions
from kiosk.core.login_card import LoginCard, new_initial_password
from kiosk.core.notices import Notice
from kiosk.core.record import Record, Signature, new_record_id

CHINA_TZ = timezone(timedelta(hours=8), "CST")  # no daylight saving: a fixed offset is exact
CARD_REMOVED = "card_removed"  # the reader's code for a card lifted mid-read


@dataclass
class SessionData:
    """Everything one candidate's session has collected; dropped whole when the session ends."""

    session_id: str
    workflow: str
    started_at: datetime
    document: IdentityDocument | None = field(default=None, repr=False)
    photo_jpeg: bytes | None = field(default=None, repr=False)
    photo_retakes: int = 0
    photo_taking: bool = False  # a frame is being made into the standard photo
    sequence_number: str | None = None
    confirmed_at: datetime | None = None
    signature: Signature | None = field(default=None, repr=False)
    signed_at: datetime | None = None
    strokes: ev.Strokes | None = field(default=None, repr=False)  # while the PNG is drawn
    initial_password: str | None = field(default=None, repr=False)
    record_id: str | None = None
    saving: bool = False
    saved: bool = False
    printing: bool = False
    # Why the last printout failed (a printer code: paper_out, cover_open, offline, or an
    # effect's), while the candidate may ask for it again; None otherwise.
    print_failed: str | None = None
    # Staff handle this candidate (kiosk.core.exception_cases): the case, who entered it.
    exception: ExceptionInfo | None = None
    # The first problem with what staff typed: (field, code), for the entry screen.
    entry_problem: tuple[str, str] | None = None
    correcting: bool = False  # staff re-opened the entry to correct disputed fields
    # The candidate called staff about the data shown; cleared once staff answer.
    dispute: Dispute | None = None
    # A hand-entered record waits for a supervisor's approval before it is sealed.
    pending_record: Record | None = field(default=None, repr=False)
    approval_problem: str | None = None  # why the last card could not approve it
    form_printing: bool = False
    form_failed: str | None = None


def everyone(address_code: str, now: datetime) -> bool:
    """No schedule audience: every candidate is served."""
    return True


@dataclass(frozen=True)
class StepSettings:
    device_id: str
    max_photo_retakes: int = 3
    web_address: str = "https://www.hneeb.cn"
    # Whether a card's address code is in the audience of a window open now (the central
    # schedule: `kiosk.core.schedule.in_audience` over the bundle in force).
    admits: Callable[[str, datetime], bool] = everyone
    point_name: str = ""  # this registration point, by name, as forms print it
    approval: ApprovalPolicy = ApprovalPolicy()


OutcomeKind = Literal["stay", "next", "notice", "finish", "goto"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    effects: tuple[ev.Effect, ...] = ()
    notice: Notice | None = None
    step: str | None = None  # "goto": the step of the workflow to go (back) to


STAY = Outcome("stay")
NEXT = Outcome("next")
FINISH = Outcome("finish")


def notice(which: Notice) -> Outcome:
    return Outcome("notice", notice=which)


def stay(*effects: ev.Effect) -> Outcome:
    return Outcome("stay", effects=effects)


class Step:
    name: ClassVar[str]

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        return STAY

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        return STAY

    def can_cancel(self, data: SessionData) -> bool:
        """Cancel (and the idle timeout) wipe the session; never once the record is saving."""
        return not (data.saving or data.saved)

    def times_out(self, data: SessionData) -> bool:
        """Whether the idle timeout applies now: not while the candidate waits for staff they
        called (the screen then shows field names only, and staff end it if need be)."""
        return data.dispute is None


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
            if not settings.admits(data.document.address_code, now):
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
    """Every field for the candidate to confirm, the newly assigned sequence number among them."""

    name = "check"

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
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
                data.confirmed_at = now
            return outcome
        elif isinstance(event, ev.Confirm) and data.sequence_number is not None:
            data.confirmed_at = now
            return NEXT
        elif isinstance(event, ev.Dispute):
            data.dispute = Dispute("data_wrong", event.fields)
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
            data.initial_password = new_initial_password()
            record = assemble_record(data, settings, now)
            try:  # before sealing: a record over a cap is never sealed, so never refused later
                record_limits.check_record(record)
            except record_limits.RecordTooLarge:
                data.saving = False
                return notice(Notice.RECORD_TOO_LARGE)
            data.record_id = record.record_id
            if data.exception is not None and data.exception.needs_approval:
                # Not sealed yet: a supervisor approves it first (the approve step).
                data.saving, data.pending_record = False, record
                return NEXT
            return stay(ev.SaveRecord(data.session_id, record))
        if isinstance(event, ev.RecordSaved) and data.saving:
            data.saving, data.saved = False, True
            return NEXT
        if isinstance(event, ev.EffectFailed) and data.saving:
            data.saving = False
            return notice(Notice.for_code(event.code))
        return STAY


def resolve_dispute(event: ev.Event, data: SessionData, ended: Notice) -> Outcome:
    """While the candidate waits for staff: only staff's answer moves the session on."""
    dispute = data.dispute
    if dispute is None or not isinstance(event, ev.ResolveDispute):
        return STAY
    if event.action not in dispute_actions(dispute, data.document):
        return STAY
    data.dispute = None
    if event.action == "end":
        return notice(ended)
    if event.action == "correct":
        data.correcting = True
        return Outcome("goto", step="entry")
    info = data.exception or ExceptionInfo()
    fields = dispute.fields or ("all",)
    data.exception = replace(info, central_correction=tuple(
        dict.fromkeys(info.central_correction + fields)))
    return NEXT


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


STEPS: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (CardStep, IdentityStep, PhotoStep, CheckStep, SignStep, PrintStep, DoneStep)
}


def assemble_record(data: SessionData, settings: StepSettings, now: datetime) -> Record:
    """The record from what the steps collected; a missing part is a bug, not a user error."""
    missing = [
        name
        for name in ("document", "photo_jpeg", "sequence_number", "confirmed_at", "signature")
        if getattr(data, name) is None
    ]
    if missing:
        raise RuntimeError(f"record incomplete: {', '.join(missing)}")
    assert data.document and data.photo_jpeg and data.sequence_number and data.signature
    assert data.confirmed_at and data.signed_at and data.initial_password
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


# The exception paths' steps (entry, approve, form) live beside their rules and add themselves
# to STEPS; imported last, as they build on the classes above.
import kiosk.core.exception_steps  # noqa: E402, F401
