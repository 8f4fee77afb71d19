"""What can happen to a session (events) and what a session asks the outside world to do (effects).

The core never performs I/O itself: a step returns effects, the shell (the Kivy app, or a test)
carries them out, possibly on another thread, and feeds the outcome back as an event tagged with
the session it belongs to, so a late answer for a wiped session is simply dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.core.documents import IdentityDocument
from kiosk.core.login_card import LoginCard
from kiosk.core.record import Record, Signature

# Events from the candidate or the devices -------------------------------------------------


@dataclass(frozen=True)
class Start:
    """The candidate touched the attract screen."""


@dataclass(frozen=True)
class CardPresented:
    document: IdentityDocument = field(repr=False)


@dataclass(frozen=True)
class CardFailed:
    """The reader gave up on a card after its retries; `code` is the reader's error code."""

    code: str


@dataclass(frozen=True)
class Confirm:
    """The candidate pressed the step's main button ("this is me", "all correct")."""


@dataclass(frozen=True)
class Dispute:
    """The candidate says the data shown is wrong: only staff can correct it."""


@dataclass(frozen=True)
class PhotoTaken:
    jpeg: bytes = field(repr=False)


@dataclass(frozen=True)
class PhotoFailed:
    code: str  # camera_unavailable, ...


@dataclass(frozen=True)
class Retake:
    pass


@dataclass(frozen=True)
class Signed:
    signature: Signature = field(repr=False)


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class Dismiss:
    """Leave a notice or the done screen: back to the attract screen."""


# Effects the shell carries out ------------------------------------------------------------


@dataclass(frozen=True)
class ReserveNumber:
    session_id: str


@dataclass(frozen=True)
class SaveRecord:
    session_id: str
    record: Record = field(repr=False)


@dataclass(frozen=True)
class PrintLoginCard:
    session_id: str
    card: LoginCard = field(repr=False)


Effect = ReserveNumber | SaveRecord | PrintLoginCard

# Outcomes of effects, fed back as events ---------------------------------------------------


@dataclass(frozen=True)
class NumberReserved:
    session_id: str
    number: str


@dataclass(frozen=True)
class RecordSaved:
    session_id: str


@dataclass(frozen=True)
class Printed:
    session_id: str


@dataclass(frozen=True)
class EffectFailed:
    """An effect could not be carried out; `code` is a KioskError code or a device's code."""

    session_id: str
    effect: str
    code: str
