"""The exceptions of the work plans: which case staff pick, what they enter, who approves, and
what the record then says about it.

The plans (2020 step 3 and section 三, 2023 section 二; the table in the domain reference) list
the cases a registration point handles with staff: a damaged or expired card, no card yet,
another identity document (the passes of Hong Kong, Macao and Taiwan residents, passports,
overseas Chinese), migrant workers' children from other provinces, and a candidate who disputes
what is shown. Each case is a row of `CASES`; the screens, the steps and the record read these
rows, so a rule changes in one place.

Hand entry is checked here (`check_entry`): the number by its document's shape and, where the
document has one, the GB 11643 check character, which must agree with the sex and birth date
typed; the name by its script. `number_status` answers the same question while staff are still
typing, so the screen can say "incomplete" rather than "wrong" at the 10th digit.

The record carries an `ExceptionInfo` (`to_wire`): the case, that it was entered by hand and by
whom (staff number and card fingerprint, never a name), who approved it, the review it waits
for (the city's, or the county's approval for migrant children), whether a copy of the document
was taken, and which fields the candidate disputed. Pure: the standard library and core only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Literal

from kiosk.core import idnumber
from kiosk.core.documents import CardType, IdentityDocument, Sex
from kiosk.core.errors import (
    DocumentError,
    IdNumberBirthDateError,
    IdNumberChecksumError,
    KioskError,
)
from kiosk.core.nations import NATIONS
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
    # 2023: a candidate who cannot come in the window is entered now and verifies later; the
    # plans name no reviewer, the kiosk's rule of a supervisor's approval still applies.
    CaseRule(Case.CANNOT_COME, "exception", True, (CardType.RESIDENT,), None,
             come_back_with_card=True),
    # Migrant children hold a resident card of their home province: it is read as usual; the
    # qualification form goes to the county, whose approval opens their registration.
    CaseRule(Case.MIGRANT_CHILDREN, "migrant", False, (CardType.RESIDENT,), "county",
             form="migrant"),
)}


# -- hand entry --------------------------------------------------------------------------------

ENTRY_FIELDS: tuple[str, ...] = ("card_type", "id_number", "name", "sex", "nation", "birth_date")

# Number shapes of the documents without a GB 11643 number (upper case, no spaces).
_SHAPES: dict[CardType, re.Pattern[str]] = {
    # 2013 card: H (Hong Kong) or M (Macao) and 8 digits; the older booklet had 10 digits.
    CardType.HMT_PASS: re.compile(r"[HM][0-9]{8}([0-9]{2})?"),
    # 2015 card: 8 digits; the older booklet had 10.
    CardType.TAIWAN_PASS: re.compile(r"[0-9]{8}([0-9]{2})?"),
    # ICAO 9303: up to 9 characters in the number field, longer ones overflow; no fixed shape.
    CardType.PASSPORT: re.compile(r"[A-Z0-9]{5,17}"),
    # Ordinary passports: E and 8 digits (2012), E, a letter and 7 digits (since), G and 8.
    CardType.CN_PASSPORT: re.compile(r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}"),
    # 2017 foreigner's card: 3 letters (nationality) and 12 digits.
    CardType.FOREIGN_2017: re.compile(r"[A-Z]{3}[0-9]{12}"),
}
_SHAPE_CHARS = re.compile(r"[A-Z0-9]*")
_CJK_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]"
                       r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f·]{0,19}")
_LATIN_NAME = re.compile(r"[^\W\d_][^\W\d_ ,.'·-]*([ ,.'·-]+[^\W\d_]+)*[.]?")
MAX_NAME = 40


class EntryError(DocumentError):
    """A hand-entered field that cannot be accepted. `field` names it; never its value."""

    code = "entry_invalid"
    codes = frozenset({
        "entry_missing", "entry_number_format", "entry_number_checksum",
        "entry_number_birth_date", "entry_number_sex", "entry_name", "entry_nation",
        "entry_birth_date", "entry_document_type",
    })

    def __init__(self, field_name: str, code: str) -> None:
        super().__init__(f"field {field_name}", code=code)
        self.field = field_name


@dataclass(frozen=True)
class EntryForm:
    """What staff typed, as typed. `repr()` shows nothing personal."""

    card_type: CardType
    id_number: str = field(default="", repr=False)
    name: str = field(default="", repr=False)
    sex: Sex | None = None
    nation: str | None = None  # GB 3304 code, for resident cards
    birth_date: date | None = field(default=None, repr=False)

    @classmethod
    def from_document(cls, doc: IdentityDocument) -> EntryForm:
        """The form again, filled from a document entered earlier: staff correct a field."""
        return cls(doc.card_type, doc.id_number, doc.name, doc.sex, doc.nation, doc.birth_date)


NumberStatus = Literal["empty", "typing", "ok", "entry_number_format", "entry_number_checksum",
                       "entry_number_birth_date"]


def normalise_number(typed: str) -> str:
    return "".join(typed.split()).upper()


def number_status(card_type: CardType, typed: str) -> NumberStatus:
    """The number as it stands while staff type: empty, still typing (a good beginning),
    ok, or the first thing wrong with it."""
    number = normalise_number(typed)
    if not number:
        return "empty"
    if card_type.has_gb11643_number:
        if not re.fullmatch(r"[0-9]{0,17}|[0-9]{17}[0-9X]", number):
            return "entry_number_format"
        if len(number) < 18:
            return "typing"
        try:
            idnumber.validate(number)
        except IdNumberChecksumError:
            return "entry_number_checksum"
        except IdNumberBirthDateError:
            return "entry_number_birth_date"
        except DocumentError:
            return "entry_number_format"
        return "ok"
    shape = _SHAPES[card_type]
    if shape.fullmatch(number):
        return "ok"
    if _SHAPE_CHARS.fullmatch(number) and len(number) < 17:
        return "typing"
    return "entry_number_format"


def name_is_chinese(card_type: CardType) -> bool:
    """Resident cards, residence permits and Chinese passports carry Chinese names."""
    return card_type in (CardType.RESIDENT, CardType.PERMIT_HMT, CardType.HMT_PASS,
                         CardType.TAIWAN_PASS, CardType.CN_PASSPORT)


def check_entry(form: EntryForm, rule: CaseRule, today: date) -> IdentityDocument:
    """The document staff entered, checked field by field in screen order; the first problem
    is raised as an `EntryError` naming its field."""
    if form.card_type not in rule.document_types:
        raise EntryError("card_type", "entry_document_type")
    number = normalise_number(form.id_number)
    status = number_status(form.card_type, number)
    if status in ("empty", "typing"):
        raise EntryError("id_number", "entry_missing" if status == "empty"
                         else "entry_number_format")
    if status != "ok":
        raise EntryError("id_number", status)
    name = " ".join(form.name.split())
    if not name:
        raise EntryError("name", "entry_missing")
    pattern = _CJK_NAME if name_is_chinese(form.card_type) else _LATIN_NAME
    if len(name) > MAX_NAME or not pattern.fullmatch(name):
        raise EntryError("name", "entry_name")
    if form.sex is None:
        raise EntryError("sex", "entry_missing")
    nation = None
    if form.card_type is CardType.RESIDENT:
        if not form.nation:
            raise EntryError("nation", "entry_missing")
        nation = form.nation.zfill(2)
        if nation not in NATIONS:
            raise EntryError("nation", "entry_nation")
    if form.birth_date is None:
        raise EntryError("birth_date", "entry_missing")
    if not date(1900, 1, 1) <= form.birth_date <= today:
        raise EntryError("birth_date", "entry_birth_date")
    if form.card_type.has_gb11643_number:
        if idnumber.birth_date_of(number) != form.birth_date:
            raise EntryError("birth_date", "entry_number_birth_date")
        if idnumber.is_male(number) != (form.sex is Sex.MALE):
            raise EntryError("sex", "entry_number_sex")
    return IdentityDocument(
        card_type=form.card_type, name=name, sex=form.sex, birth_date=form.birth_date,
        id_number=number, valid_from=today, valid_to=None, nation=nation,
        entered_by_hand=True,
    )


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
                   policy: ApprovalPolicy) -> StaffStamp:
    """The supervisor's stamp, or why this card may not approve the record."""
    if not approver.may("approve"):
        raise ApprovalRefused("role may not approve", code="approval_not_supervisor")
    same = entered_by is not None and (
        approver.fingerprint == entered_by.fingerprint
        or approver.staff_number == entered_by.staff_number)
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
        if self.corrected_fields:
            out.append("corrected_by_staff")
        if self.central_correction:
            out.append("central_correction")
        return tuple(out)

    def to_wire(self) -> dict[str, object]:
        rule = self.rule
        return {
            "case": None if self.case is None else self.case.value,
            "flags": list(self.flags),
            "entered_by_hand": bool(rule and rule.hand_entry),
            "review": None if rule is None else rule.review,
            "document_copy_taken": bool(rule and rule.copy_taken),
            "entered_by": None if self.entered_by is None else self.entered_by.to_wire(),
            "approved_by": None if self.approved_by is None else self.approved_by.to_wire(),
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
    new = check_entry(form, rule, today)
    new = replace(new, valid_from=document.valid_from)
    before: Mapping[str, object] = document.to_fields()
    after = new.to_fields()
    changed = tuple(k for k in ENTRY_FIELDS if before.get(k) != after.get(k))
    return new, changed
