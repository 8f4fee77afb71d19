"""Hand entry: the document's fields as staff type them for a candidate without a readable card,
checked field by field (`check_entry`), and the number judged while it is still being typed
(`number_status`), so the screen can say "incomplete" rather than "wrong" at the 10th digit.

The number is checked by its document's shape and, where the document has one, the GB 11643
check character, which must agree with the sex and birth date typed; the name by its script
(Chinese for residents' cards, the permits and passes and Chinese passports; letters for a
foreign passport). Nothing typed ever reaches an error's message. Pure: standard library and
core only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from kiosk.core import idnumber
from kiosk.core.documents import CardType, IdentityDocument, Sex
from kiosk.core.errors import DocumentError, IdNumberBirthDateError, IdNumberChecksumError
from kiosk.core.nations import NATIONS

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


def check_entry(form: EntryForm, allowed: tuple[CardType, ...], today: date
                ) -> IdentityDocument:
    """The document staff entered, checked field by field in screen order; the first problem
    is raised as an `EntryError` naming its field. `allowed`: the document types the case
    accepts (`CaseRule.document_types`)."""
    if form.card_type not in allowed:
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
