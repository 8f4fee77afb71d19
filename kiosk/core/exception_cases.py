"""The exceptions of the work plans: which case staff pick, what they enter, who approves, and
what the record then says about it.

The plans (2020 step 3 and section 三, 2023 section 二; the table in the domain reference) list
the cases a registration point handles with staff: a damaged or expired card, no card yet,
another identity document (the passes of Hong Kong, Macao and Taiwan residents, passports,
overseas Chinese), migrant workers' children from other provinces, and a candidate who disputes
what is shown. Each case is a row of `CASES`; the screens, the steps and the record read these
rows, so a rule changes in one place.

What staff type is checked by `kiosk.core.hand_entry`, against the document types a case
allows (`CaseRule.document_types`).

The record carries an `ExceptionInfo` (`to_wire`): the case, that it was entered by hand and by
whom (staff number and card fingerprint, never a name), who approved it, the review it waits
for (the city's, or the county's approval for migrant children), whether a copy of the document
was taken, and which fields the candidate disputed. Pure: the standard library and core only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Literal

from kiosk.core.documents import CardType, IdentityDocument
from kiosk.core.errors import KioskError
from kiosk.core.forms import ALL_FIELDS
from kiosk.core.hand_entry import ENTRY_FIELDS, EntryForm, check_entry
from kiosk.core.staff import StaffMember


class Case(StrEnum):
    """What staff pick on the panel; the value is the record's `exception.case`."""

    CARD_DAMAGED = "card_damaged"
    CARD_EXPIRED = "card_expired"
    NO_CARD_YET = "no_card_yet"
    OTHER_DOCUMENT = "other_document"
    CANNOT_COME = "cannot_come"
    MIGRANT_CHILDREN = "migrant_children"


Review = Literal["city", "county"] | None


@dataclass(frozen=True)
class CaseRule:
    """One row of the plans' exception table, as the kiosk carries it out."""

    case: Case
    workflow: str  # the built-in workflow the case runs (kiosk.core.workflows)
    hand_entry: bool  # staff type the document's fields (no chip was read)
    document_types: tuple[CardType, ...]  # what staff may pick as the document
    review: Review  # the record waits for the city's review or the county's approval (None)
    copy_taken: bool = False  # staff keep a copy of the document for the city
    come_back_with_card: bool = False  # the candidate verifies the new card later
    form: str | None = None  # an A4 form printed for the case (kiosk.core.forms)
    # The candidate is not there: staff read the data back by phone instead of a signature,
    # and the photo and signature follow when the candidate comes to verify the card.
    confirmed_by_phone: bool = False

    @property
    def needs_approval(self) -> bool:
        """Every record entered by hand needs a supervisor's card and PIN before sealing."""
        return self.hand_entry


_OTHER_DOCUMENTS = (
    CardType.PERMIT_HMT, CardType.HMT_PASS, CardType.TAIWAN_PASS, CardType.PASSPORT,
    CardType.CN_PASSPORT, CardType.FOREIGN_2023, CardType.FOREIGN_2017,
)

CASES: dict[Case, CaseRule] = {rule.case: rule for rule in (
    CaseRule(Case.CARD_DAMAGED, "exception", True, (CardType.RESIDENT,), "city",
             come_back_with_card=True),
    CaseRule(Case.CARD_EXPIRED, "exception", True, (CardType.RESIDENT,), "city",
             come_back_with_card=True),
    CaseRule(Case.NO_CARD_YET, "exception", True, (CardType.RESIDENT,), "city",
             come_back_with_card=True),
    CaseRule(Case.OTHER_DOCUMENT, "exception", True, _OTHER_DOCUMENTS, "city",
             copy_taken=True),
    # 2023: a candidate who cannot come in the window is entered now, confirms by phone (the
    # plans' emergency table: 可与考生电话联系，确认考生报名信息) and verifies later; the plans
    # name no reviewer, the kiosk's rule of a supervisor's approval still applies.
    CaseRule(Case.CANNOT_COME, "exception-absent", True, (CardType.RESIDENT,), None,
             come_back_with_card=True, confirmed_by_phone=True),
    # Migrant children hold a resident card of their home province: it is read as usual; the
    # qualification form goes to the county, whose approval opens their registration.
    CaseRule(Case.MIGRANT_CHILDREN, "migrant", False, (CardType.RESIDENT,), "county",
             form="migrant"),
)}


# -- who did it, who approved -----------------------------------------------------------------


@dataclass(frozen=True)
class StaffStamp:
    """A staff member as a record names them: staff number and card fingerprint only."""

    staff_number: str
    fingerprint: str
    role: str

    @classmethod
    def of(cls, member: StaffMember) -> StaffStamp:
        return cls(member.staff_number, member.fingerprint, member.role)

    def to_wire(self) -> dict[str, str]:
        return {"staff_number": self.staff_number, "card_fingerprint": self.fingerprint,
                "role": self.role}


@dataclass(frozen=True)
class ApprovalPolicy:
    """`[exceptions] same_person_may_approve` in kiosk.toml; the plans' four-eyes rule by
    default: whoever entered a record may not approve it too."""

    same_person_may_approve: bool = False


class ApprovalRefused(KioskError):
    code = "approval_not_supervisor"
    codes = frozenset({"approval_not_supervisor", "approval_same_person"})


def check_approver(approver: StaffMember, entered_by: StaffStamp | None,
                   policy: ApprovalPolicy, phoned_by: StaffStamp | None = None) -> StaffStamp:
    """The supervisor's stamp, or why this card may not approve the record: whoever entered
    it, or confirmed it with the candidate by phone, is the same person for the four-eyes
    rule."""
    if not approver.may("approve"):
        raise ApprovalRefused("role may not approve", code="approval_not_supervisor")
    same = any(stamp is not None and (
        approver.fingerprint == stamp.fingerprint or approver.staff_number == stamp.staff_number)
        for stamp in (entered_by, phoned_by))
    if same and not policy.same_person_may_approve:
        raise ApprovalRefused("entered by the same person", code="approval_same_person")
    return StaffStamp.of(approver)


# -- what the record carries ------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionInfo:
    """The record's `exception` block: how this record differs from an ordinary one."""

    case: Case | None = None  # None: an ordinary record that only carries a dispute
    entered_by: StaffStamp | None = None
    approved_by: StaffStamp | None = None
    phoned_by: StaffStamp | None = None  # who read the entry back to an absent candidate
    corrected_fields: tuple[str, ...] = ()  # fixed by staff after the candidate disputed them
    central_correction: tuple[str, ...] = ()  # disputed; the province corrects them

    @property
    def rule(self) -> CaseRule | None:
        return None if self.case is None else CASES[self.case]

    @property
    def needs_approval(self) -> bool:
        rule = self.rule
        return rule is not None and rule.needs_approval

    @property
    def flags(self) -> tuple[str, ...]:
        """What the province's reviewers filter on, in a fixed order."""
        rule = self.rule
        out: list[str] = []
        if rule is not None:
            if rule.hand_entry:
                out.append("entered_by_hand")
            if rule.review is not None:
                out.append("city_review" if rule.review == "city"
                           else "county_approval_pending")
            if rule.copy_taken:
                out.append("document_copy_taken")
            if rule.come_back_with_card:
                out.append("come_back_with_card")
            if rule.confirmed_by_phone:
                out.append("confirmed_by_phone")
        if self.corrected_fields:
            out.append("corrected_by_staff")
        if self.central_correction:
            out.append("central_correction")
        return tuple(out)

    @property
    def afterwards(self) -> tuple[str, ...]:
        """What the candidate is told on the done screen (text keys), as the plans order:
        come back with the new card, wait for the county's approval, the copy for the city."""
        rule = self.rule
        if rule is None:
            return ("after_central_correction",) if self.central_correction else ()
        keys = []
        if rule.come_back_with_card:
            keys.append("after_come_back_with_card")
        if rule.review == "county":
            keys.append("after_county_approval")
        if rule.copy_taken:
            keys.append("after_document_copy")
        if rule.confirmed_by_phone:
            keys.append("after_photo_and_signature")
        return tuple(keys)

    def to_wire(self) -> dict[str, object]:
        rule = self.rule
        return {
            "case": None if self.case is None else self.case.value,
            "flags": list(self.flags),
            "entered_by_hand": bool(rule and rule.hand_entry),
            "review": None if rule is None else rule.review,
            "document_copy_taken": bool(rule and rule.copy_taken),
            "confirmed_by_phone": bool(rule and rule.confirmed_by_phone),
            "entered_by": None if self.entered_by is None else self.entered_by.to_wire(),
            "approved_by": None if self.approved_by is None else self.approved_by.to_wire(),
            "phoned_by": None if self.phoned_by is None else self.phoned_by.to_wire(),
            "corrected_fields": list(self.corrected_fields),
            "central_correction": list(self.central_correction),
        }


# -- disputes ---------------------------------------------------------------------------------

DISPUTE_KINDS = ("not_me", "data_wrong")  # "不是我" on the identity screen, "信息有误" on check
DisputeKind = Literal["not_me", "data_wrong"]


@dataclass(frozen=True)
class Dispute:
    """A candidate called staff: which fields they say are wrong (names only, never values)."""

    kind: DisputeKind
    fields: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in DISPUTE_KINDS:
            raise ValueError(f"unknown dispute kind {self.kind!r}")
        # Only fields a form or screen names (each has its label); in screen order, once.
        known = tuple(dict.fromkeys(f for f in self.fields if f in ALL_FIELDS))
        object.__setattr__(self, "fields", known)


DisputeAction = Literal["correct", "central", "end"]


def dispute_actions(dispute: Dispute, document: IdentityDocument | None) -> tuple[str, ...]:
    """What staff may do about a dispute: correct the fields themselves only where they were
    typed by hand (a chip's data is the authority's, so the province corrects it); mark the
    record for central correction; or end the session (not this candidate's card)."""
    actions: list[DisputeAction] = []
    if document is not None and document.entered_by_hand:
        actions.append("correct")
    if dispute.kind == "data_wrong":
        actions.append("central")
    actions.append("end")
    return tuple(actions)


def corrected(document: IdentityDocument, form: EntryForm, rule: CaseRule, today: date
              ) -> tuple[IdentityDocument, tuple[str, ...]]:
    """The hand-entered document after staff corrected it, and which fields changed."""
    new = check_entry(form, rule.document_types, today)
    new = replace(new, valid_from=document.valid_from)
    before: Mapping[str, object] = document.to_fields()
    after = new.to_fields()
    changed = tuple(k for k in ENTRY_FIELDS if before.get(k) != after.get(k))
    return new, changed
