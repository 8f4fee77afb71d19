"""What can happen to a session (events) and what a session asks the outside world to do (effects).

The core never performs I/O itself: a step returns effects, the shell carries them out on its
worker thread, and feeds the outcome back as an event tagged with the session it belongs to, so
a late answer for a wiped session is simply dropped.

Effects may carry opaque payloads (typed `object`), such as a camera frame and its analysis:
core passes them on to the shell untouched and never looks inside (it imports no numpy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.core.candidates import Exam, OnlineRegistration
from kiosk.core.documents import IdentityDocument
from kiosk.core.exception_cases import Case, DisputeAction
from kiosk.core.forms import Form, FormData
from kiosk.core.hand_entry import EntryForm
from kiosk.core.login_card import LoginCard
from kiosk.core.record import Record, Signature
from kiosk.core.staff import StaffMember

# Events from the candidate or the devices -------------------------------------------------


@dataclass(frozen=True)
class Start:
    """The candidate touched the attract screen; `workflow`: the button they chose when more
    than one workflow is open (None: the only one open)."""

    workflow: str | None = None


@dataclass(frozen=True)
class CardPresented:
    document: IdentityDocument = field(repr=False)


@dataclass(frozen=True)
class CardFailed:
    """The reader could not finish a card; `code` is the reader's error code (`card_removed`:
    the card was lifted mid-read, which the card step ignores; anything else: a notice)."""

    code: str


@dataclass(frozen=True)
class Confirm:
    """The candidate pressed the step's main button ("this is me", "all correct")."""


@dataclass(frozen=True)
class Dispute:
    """The candidate says the data shown is not theirs ("不是我") or wrong ("信息有误"): staff
    are called with the names of the fields disputed (`fields`; empty: all of them)."""

    fields: tuple[str, ...] = ()


# Events from staff (the staff panel, with a signed-in card) --------------------------------


@dataclass(frozen=True)
class BeginException:
    """Staff start a candidate's session for one of the plans' exceptions."""

    case: Case
    staff: StaffMember = field(repr=False)


@dataclass(frozen=True)
class StaffEntry:
    """Staff submitted the document's fields as typed (checked by the entry step)."""

    form: EntryForm = field(repr=False)


@dataclass(frozen=True)
class PhoneConfirmed:
    """Staff read the entered data back to a candidate who cannot come and the candidate
    confirmed it by phone (the plans' 考生无法到报名点确认签名和照相时，可与考生电话联系): in
    their name, it stands where the candidate's signature would."""

    staff: StaffMember = field(repr=False)


@dataclass(frozen=True)
class ResolveDispute:
    """Staff answered the candidate's call: correct the hand-entered fields, mark the record
    for central correction, or end the session."""

    action: DisputeAction


@dataclass(frozen=True)
class Approve:
    """A supervisor signed in with card and PIN to approve the record before it is sealed."""

    staff: StaffMember = field(repr=False)


@dataclass(frozen=True)
class Capture:
    """Auto-capture says now: make the standard photo from this frame (opaque to core)."""

    image: object = field(repr=False)
    analysis: object = field(repr=False)


@dataclass(frozen=True)
class FaceSeen:
    """The camera sees a face: someone is in front of the kiosk, so the session is not idle."""


@dataclass(frozen=True)
class Retake:
    pass


# Strokes as drawn: lists of (x, y, t), x and y in 0..1 of the pad (y up), t in seconds.
Strokes = tuple[tuple[tuple[float, float, float], ...], ...]


@dataclass(frozen=True)
class Signed:
    """The candidate confirmed their signature; its picture is drawn off the UI thread."""

    strokes: Strokes = field(repr=False)


@dataclass(frozen=True)
class ChooseLanguage:
    """The language button: the screens (and the voice) in this language from now on."""

    language: str


@dataclass(frozen=True)
class ChooseLargeText:
    """The large-text button: every screen in large text and high contrast (or back to the
    kiosk's own display) from now on, for this candidate."""

    on: bool


@dataclass(frozen=True)
class Turn:
    """Page through a long table (the proof table): forward, or back."""

    forward: bool = True


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


@dataclass(frozen=True)
class EncodePhoto:
    """Cut and encode the standard JPEG from a frame (`imaging.standard_photo`)."""

    session_id: str
    image: object = field(repr=False)
    analysis: object = field(repr=False)


@dataclass(frozen=True)
class RenderSignature:
    """Draw the signature's PNG from its strokes (`imaging.signature_png`)."""

    session_id: str
    strokes: Strokes = field(repr=False)


@dataclass(frozen=True)
class FindCandidate:
    """Find what the candidate entered online (`CandidateLookup`: the API, else the roster)."""

    session_id: str
    exam: Exam
    id_number: str = field(repr=False)


@dataclass(frozen=True)
class PrintForm:
    """Print an A4 form (the registration form, the adult exam's flow sheet) with `data`."""

    session_id: str
    form: Form
    data: FormData = field(repr=False)


Effect = (
    ReserveNumber | SaveRecord | PrintLoginCard | EncodePhoto | RenderSignature | FindCandidate
    | PrintForm
)

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
    """The card is printed; `paper_near_end`: the roll is nearly used up (a staff warning)."""

    session_id: str
    paper_near_end: bool = False


@dataclass(frozen=True)
class PhotoTaken:
    session_id: str
    jpeg: bytes = field(repr=False)


@dataclass(frozen=True)
class PhotoRefused:
    """The frame could not give a photo to the standard; the candidate is guided again."""

    session_id: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SignatureRendered:
    session_id: str
    signature: Signature = field(repr=False)


@dataclass(frozen=True)
class CandidateFound:
    """The lookup's answer: the registration, or None when neither the API nor the roster
    has it."""

    session_id: str
    registration: OnlineRegistration | None = field(repr=False)


@dataclass(frozen=True)
class EffectFailed:
    """An effect could not be carried out; `code` is a KioskError code or a device's code."""

    session_id: str
    effect: str
    code: str


EffectOutcome = (
    NumberReserved | RecordSaved | Printed | PhotoTaken | PhotoRefused | SignatureRendered
    | CandidateFound | EffectFailed
)
FromStaff = BeginException | StaffEntry | ResolveDispute | Approve | PhoneConfirmed
FromPerson = (Start | Confirm | Dispute | Retake | Cancel | Dismiss | Signed | Capture | Turn
              | ChooseLanguage | ChooseLargeText | FromStaff)
FromDevice = CardPresented | CardFailed | FaceSeen
Event = FromPerson | FromDevice | EffectOutcome
