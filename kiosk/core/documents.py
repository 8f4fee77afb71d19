"""Identity documents as the kiosk understands them, whatever reader produced them.

The four card types of the GA 467 readers share most fields; what differs is kept optional so a
screen or a record can treat them alike. `repr()` never shows a name or an ID number, so an
assertion message or a stray log line cannot leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum

from kiosk.core import idnumber
from kiosk.core.errors import CardExpiredError, CardNotYetValidError


class CardType(StrEnum):
    """The kind of identity document. The first four are cards a GA 467 reader reads; the
    others are papers staff enter by hand (`kiosk.core.exception_cases`): the passes of Hong
    Kong, Macao and Taiwan residents, a foreign passport, a Chinese passport (overseas Chinese,
    华侨)."""

    RESIDENT = "resident"
    PERMIT_HMT = "permit_hmt"
    FOREIGN_2017 = "foreign_2017"
    FOREIGN_2023 = "foreign_2023"
    HMT_PASS = "hmt_pass"  # 港澳居民来往内地通行证
    TAIWAN_PASS = "taiwan_pass"  # 台湾居民来往大陆通行证
    PASSPORT = "passport"  # 外国护照
    CN_PASSPORT = "cn_passport"  # 中华人民共和国护照 (华侨)

    @classmethod
    def readable(cls) -> tuple[CardType, ...]:
        """The types a card reader produces (each has a wire code)."""
        return tuple(_WIRE_CODES)

    @property
    def wire_code(self) -> str:
        """The character at offset 248 of the card's text block."""
        try:
            return _WIRE_CODES[self]
        except KeyError:
            raise ValueError(f"{self.value} is not a card a reader reads") from None

    @classmethod
    def from_wire_code(cls, code: str) -> CardType:
        for card_type, wire in _WIRE_CODES.items():
            if wire == code:
                return card_type
        raise ValueError("unknown card type code")

    @property
    def has_gb11643_number(self) -> bool:
        """Resident cards, the residence permits and the 2023 foreigner's card carry GB 11643
        numbers; the 2017 foreigner's card (15 characters), the passes and passports do not."""
        return self in (CardType.RESIDENT, CardType.PERMIT_HMT, CardType.FOREIGN_2023)


_WIRE_CODES = {
    CardType.RESIDENT: " ",
    CardType.PERMIT_HMT: "J",
    CardType.FOREIGN_2017: "I",
    CardType.FOREIGN_2023: "Y",
}


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class IdentityDocument:
    card_type: CardType
    name: str
    sex: Sex
    birth_date: date
    id_number: str
    valid_from: date
    valid_to: date | None  # None: long-term (长期)
    nation: str | None = None  # GB 3304 code, resident cards only
    address: str | None = None
    issuer: str | None = None
    english_name: str | None = None
    nationality: str | None = None  # GB/T 2659 alpha-3, foreigner's cards
    pass_number: str | None = None  # 'J' permits
    issue_count: str | None = None  # 'J' permits
    renewal_count: str | None = None  # 2023 foreigner's cards ('Y'): times the card was renewed
    chip_photo: bytes | None = field(default=None, compare=False)  # raw WLT bytes
    # Typed by staff from a paper or a damaged card, not read from a chip: no validity was
    # read (valid_from is the day of entry, valid_to None) and forms leave the validity out.
    entered_by_hand: bool = False

    def __repr__(self) -> str:
        return (
            f"IdentityDocument(card_type={self.card_type.value}, "
            f"id_number={self.masked_id_number}, ...)"
        )

    __str__ = __repr__

    @property
    def masked_id_number(self) -> str:
        return idnumber.mask(self.id_number)

    @property
    def address_code(self) -> str:
        """The area the number was issued for (its first 6 digits, GB 11643), which schedule
        windows' audiences match by prefix. "" for the 2017 foreigner's card, whose number
        names no area: a window for some areas only does not admit it (staff help instead).
        The 2023 foreigner's card's "9..." and the permits' "81/82/83..." match no Hunan
        prefix either, as the published staggering intends: they are not local addresses."""
        return self.id_number[:6] if self.card_type.has_gb11643_number else ""

    def validate(self, today: date) -> IdentityDocument:
        """Raise the first reason this document cannot be used today; return it normalised."""
        number = self.id_number.strip().upper()
        if self.card_type.has_gb11643_number:
            number = idnumber.validate(
                number, male=self.sex is Sex.MALE, birth_date=self.birth_date
            )
        if self.valid_from > today:
            raise CardNotYetValidError("valid-from date is in the future")
        if self.valid_to is not None and self.valid_to < today:
            raise CardExpiredError("card expired")
        if number == self.id_number:
            return self
        return replace(self, id_number=number)

    def to_fields(self) -> dict[str, object]:
        """JSON-ready fields (dates as ISO strings); the chip photo stays out."""
        out: dict[str, object] = {}
        for f in fields(self):
            if f.name == "chip_photo":
                continue
            value = getattr(self, f.name)
            if f.name == "entered_by_hand" and not value:
                continue  # a card read by a reader: the field stays off the wire, as before
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, StrEnum):
                value = value.value
            out[f.name] = value
        return out

    @classmethod
    def from_fields(
        cls, data: dict[str, object], chip_photo: bytes | None = None
    ) -> IdentityDocument:
        """Inverse of `to_fields`, for card files and the simulator; raises ValueError."""
        known = {f.name for f in fields(cls)} - {"chip_photo"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fields: {sorted(unknown)}")
        kwargs: dict[str, object] = dict(data)
        kwargs["card_type"] = CardType(str(data["card_type"]))
        kwargs["sex"] = Sex(str(data["sex"]))
        for key in ("birth_date", "valid_from"):
            kwargs[key] = date.fromisoformat(str(data[key]))
        valid_to = data.get("valid_to")
        kwargs["valid_to"] = (
            None if valid_to in (None, "", "长期") else date.fromisoformat(str(valid_to))
        )
        return cls(chip_photo=chip_photo, **kwargs)  # type: ignore[arg-type]
