"""The steps a workflow is made of. Each is a small class with a screen of the same name in ui.

A step reacts to events by changing the session's data and returning an `Outcome`: stay, go on
to the next step, stop with a notice for the candidate, or finish. It never does I/O: anything
slow or outside (a sequence number, saving, printing) is an effect the shell carries out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import ClassVar

from kiosk.core import events as ev
from kiosk.core.documents import IdentityDocument
from kiosk.core.errors import DocumentError
from kiosk.core.login_card import LoginCard, new_initial_password
from kiosk.core.record import Record, Signature, new_record_id

CHINA_TZ = timezone(timedelta(hours=8), "CST")  # no daylight saving: a fixed offset is exact


@dataclass
class SessionData:
    """Everything one candidate's session has collected; dropped whole when the session ends."""

    session_id: str
    workflow: str
    started_at: datetime
    document: IdentityDocument | None = field(default=None, repr=False)
    photo_jpeg: bytes | None = field(default=None, repr=False)
    photo_retakes: int = 0
    sequence_number: str | None = None
    confirmed_at: datetime | None = None
    signature: Signature | None = field(default=None, repr=False)
    signed_at: datetime | None = None
    initial_password: str | None = field(default=None, repr=False)
    record_id: str | None = None
    saving: bool = False
    saved: bool = False
    printing: bool = False


@dataclass(frozen=True)
class StepSettings:
    device_id: str
    max_photo_retakes: int = 3
    web_address: str = "https://www.hneeb.cn"


@dataclass(frozen=True)
class Outcome:
    kind: str  # "stay" | "next" | "notice" | "finish"
    effects: tuple[ev.Effect, ...] = ()
    notice: str | None = None


STAY = Outcome("stay")
NEXT = Outcome("next")
FINISH = Outcome("finish")


def notice(code: str) -> Outcome:
    return Outcome("notice", notice=code)


class Step:
    name: ClassVar[str]

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        return STAY

    def handle(
        self, event: object, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        return STAY

    def can_cancel(self, data: SessionData) -> bool:
        """Cancel (and the idle timeout) wipe the session; never once the record is saving."""
        return not (data.saving or data.saved)


class CardStep(Step):
    name = "card"

    def handle(self, event, data, settings, now):
        if isinstance(event, ev.CardPresented):
            try:
                data.document = event.document.validate(now.astimezone(CHINA_TZ).date())
            except DocumentError as exc:
                return notice(exc.code)
            return NEXT
        if isinstance(event, ev.CardFailed):
            return notice("card_unreadable")
        return STAY


class IdentityStep(Step):
    name = "identity"

    def handle(self, event, data, settings, now):
        if isinstance(event, ev.Confirm):
            return NEXT
        if isinstance(event, ev.Dispute):
            return notice("identity_disputed")
        return STAY


class PhotoStep(Step):
    """Preview until a photo is taken, then review it: accept (Confirm) or retake."""

    name = "photo"

    def handle(self, event, data, settings, now):
        if isinstance(event, ev.PhotoTaken) and data.photo_jpeg is None:
            data.photo_jpeg = event.jpeg
        elif isinstance(event, ev.Retake) and data.photo_jpeg is not None:
            if data.photo_retakes >= settings.max_photo_retakes:
                return notice("photo_retakes_exhausted")
            data.photo_retakes += 1
            data.photo_jpeg = None
        elif isinstance(event, ev.Confirm) and data.photo_jpeg is not None:
            return NEXT
        elif isinstance(event, ev.PhotoFailed):
            return notice(event.code)
        return STAY


class CheckStep(Step):
    """Every field for the candidate to confirm, the newly assigned sequence number among them."""

    name = "check"

    def enter(self, data, settings, now):
        if data.sequence_number is None:
            return Outcome("stay", effects=(ev.ReserveNumber(data.session_id),))
        return STAY

    def handle(self, event, data, settings, now):
        if isinstance(event, ev.NumberReserved):
            data.sequence_number = event.number
        elif isinstance(event, ev.EffectFailed):
            return notice(event.code)
        elif isinstance(event, ev.Confirm) and data.sequence_number is not None:
            data.confirmed_at = now
            return NEXT
        elif isinstance(event, ev.Dispute):
            return notice("data_disputed")
        return STAY


class SignStep(Step):
    """The signature completes the record: it is assembled and handed over to be sealed."""

    name = "sign"

    def handle(self, event, data, settings, now):
        if isinstance(event, ev.Signed) and not data.saving:
            if not event.signature.strokes:
                return STAY
            data.signature = event.signature
            data.signed_at = now
            data.initial_password = new_initial_password()
            record = assemble_record(data, settings, now)
            data.record_id = record.record_id
            data.saving = True
            return Outcome("stay", effects=(ev.SaveRecord(data.session_id, record),))
        if isinstance(event, ev.RecordSaved) and data.saving:
            data.saving, data.saved = False, True
            return NEXT
        if isinstance(event, ev.EffectFailed) and data.saving:
            data.saving = False
            return notice(event.code)
        return STAY


class PrintStep(Step):
    name = "print"

    def enter(self, data, settings, now):
        data.printing = True
        return Outcome(
            "stay", effects=(ev.PrintLoginCard(data.session_id, login_card(data, settings, now)),)
        )

    def handle(self, event, data, settings, now):
        if isinstance(event, ev.Printed):
            data.printing = False
            return NEXT
        if isinstance(event, ev.EffectFailed):
            data.printing = False
            return notice("print_failed")
        return STAY

    def can_cancel(self, data):
        return False


class DoneStep(Step):
    name = "done"

    def handle(self, event, data, settings, now):
        if isinstance(event, ev.Confirm | ev.Dismiss):
            return FINISH
        return STAY

    def can_cancel(self, data):
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
