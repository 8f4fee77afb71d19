"""What every step shares: the session's data, the settings, the outcome a step returns.

The steps themselves are in `steps.py` (the first visit's) and `confirm_steps.py` (the second
visits': `confirm`, `adult-confirm`); `steps.STEPS` names them all.

A step reacts to events by changing the session's data and returning an `Outcome`: stay, go on
to the next step, stop with a notice for the candidate, or finish. It never does I/O: anything
slow or outside (a sequence number, saving, printing) is an effect the shell carries out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import ClassVar, Literal

from kiosk.core import events as ev
from kiosk.core.candidates import OnlineRegistration
from kiosk.core.documents import IdentityDocument
from kiosk.core.exception_cases import ApprovalPolicy, Dispute, ExceptionInfo, dispute_actions
from kiosk.core.forms import Row
from kiosk.core.notices import Notice
from kiosk.core.record import Record, Signature

CHINA_TZ = timezone(timedelta(hours=8), "CST")  # no daylight saving: a fixed offset is exact
CARD_REMOVED = "card_removed"  # the reader's code for a card lifted mid-read


@dataclass
class SessionData:
    """Everything one candidate's session has collected; dropped whole when the session ends."""

    session_id: str
    workflow: str
    started_at: datetime
    language: str = "zh"  # what the screens, the voice and the shown rows are in
    large_text: bool = False  # large text and high contrast on every screen, for this candidate
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
    # The second visits (`confirm`, `adult-confirm`): what the candidate entered online, found
    # by the card's ID number; the proof table's page on screen; the SHA-256 of the rows the
    # candidate confirmed, exactly as shown; the pledge copied by hand (`adult-confirm`).
    registration: OnlineRegistration | None = field(default=None, repr=False)
    looking_up: bool = False
    page: int = 0
    pages_seen: int = 0  # the furthest page shown: confirming needs every one seen
    shown_rows: tuple[Row, ...] = field(default=(), repr=False)
    shown_sha256: str | None = None
    pledge_strokes: ev.Strokes | None = field(default=None, repr=False)
    pledge_at: datetime | None = None
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


def everyone(workflow: str, address_code: str, now: datetime) -> bool:
    """No schedule audience: every candidate is served."""
    return True


@dataclass(frozen=True)
class StepSettings:
    device_id: str
    max_photo_retakes: int = 3
    web_address: str = "https://www.hneeb.cn"
    # Whether a card's address code is in the audience of a window of the workflow open now
    # (the central schedule: `kiosk.core.schedule.in_audience` over the bundle in force).
    admits: Callable[[str, str, datetime], bool] = everyone
    # The second visits: this point (its code, as candidates choose it online; its name for
    # the forms), what it is designated for ("minor": 低龄审核点, "medical": 医卫类审核点),
    # the adult exam's first day (under 17 on it: a designated point only), the proof
    # table's rows per screen page.
    point_code: str = ""
    point_name: str = ""
    designations: frozenset[str] = frozenset()
    adult_exam_date: date | None = None
    proof_rows_per_page: int = 8
    language: str = "zh"  # the kiosk's own language: each candidate starts in it
    large_text: bool = False  # the kiosk's own display (`[display] large_text`): the same
    # Whether whoever entered a record by hand may approve it too (`[exceptions]`).
    approval: ApprovalPolicy = ApprovalPolicy()


OutcomeKind = Literal["stay", "next", "notice", "finish", "goto"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    effects: tuple[ev.Effect, ...] = ()
    notice: Notice | None = None
    # Filled into the notice's message (`{point}`: the point a candidate chose instead).
    values: Mapping[str, str] = field(default_factory=dict)
    step: str | None = None  # "goto": the step of the workflow to go (back) to


STAY = Outcome("stay")
NEXT = Outcome("next")
FINISH = Outcome("finish")


def notice(which: Notice, **values: str) -> Outcome:
    return Outcome("notice", notice=which, values=values)


def sealing_answered(event: ev.Event, data: SessionData) -> Outcome | None:
    """The answer to a step's SaveRecord: on to the next step once the record is sealed and
    queued, the failure's notice otherwise; None for any other event (or none asked)."""
    if isinstance(event, ev.RecordSaved) and data.saving:
        data.saving, data.saved = False, True
        return NEXT
    if isinstance(event, ev.EffectFailed) and data.saving:
        data.saving = False
        return notice(Notice.for_code(event.code))
    return None


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

    def relabel(self, data: SessionData, settings: StepSettings, now: datetime) -> None:
        """The candidate switched language on this step: redo what it fixed in the old one."""


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
