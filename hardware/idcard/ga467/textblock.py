"""The 256-byte text block of the four card types, parsed into an IdentityDocument and built
back from one (the simulator's side; a round trip is the test that both agree).

UCS-2LE, fields padded with spaces. The type character at offset 248 is checked first: a 2023
foreigner's card parsed with the resident layout would silently give wrong fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hardware.idcard.ga467.errors import TextBlockError, UnknownCardTypeError
from kiosk.core.documents import CardType, IdentityDocument, Sex

TEXT_BLOCK_LEN = 256
TYPE_OFFSET = 248
LONG_TERM = "长期"  # valid-to of a long-term card: bytes 7F 95 1F 67
# The 2023 card carries no issuer; by law the National Immigration Administration issues it.
ISSUER_NIA = "中华人民共和国国家移民管理局"
# The 2017 card carries a 4-character authority code, not a name. Only the code below is known
# to this kiosk (assumed: the NIA's); any other code is shown as the code itself.
AUTHORITY_CODES = {"1500": ISSUER_NIA}
_SEX = {"1": Sex.MALE, "2": Sex.FEMALE}
_SEX_CODE = {v: k for k, v in _SEX.items()}


@dataclass(frozen=True)
class _Field:
    name: str
    offset: int
    size: int


def _layout(*spec: tuple[str, int, int]) -> tuple[_Field, ...]:
    return tuple(_Field(*s) for s in spec)


_RESIDENT = _layout(
    ("name", 0, 30), ("sex", 30, 2), ("nation", 32, 4), ("birth_date", 36, 16),
    ("address", 52, 70), ("id_number", 122, 36), ("issuer", 158, 30),
    ("valid_from", 188, 16), ("valid_to", 204, 16),
)
_PERMIT = _layout(
    ("name", 0, 30), ("sex", 30, 2), ("birth_date", 36, 16), ("address", 52, 70),
    ("id_number", 122, 36), ("issuer", 158, 30), ("valid_from", 188, 16),
    ("valid_to", 204, 16), ("pass_number", 220, 18), ("issue_count", 238, 4),
)
_FOREIGN_2017 = _layout(
    ("english_name", 0, 120), ("sex", 120, 2), ("id_number", 122, 30),
    ("nationality", 152, 6), ("name", 158, 30), ("valid_from", 188, 16),
    ("valid_to", 204, 16), ("birth_date", 220, 16), ("card_version", 236, 4),
    ("authority", 240, 8),
)
_FOREIGN_2023 = _layout(
    ("name", 0, 30), ("sex", 30, 2), ("renewal_count", 32, 4), ("birth_date", 36, 16),
    ("english_1", 52, 70), ("id_number", 122, 36), ("valid_from", 188, 16),
    ("valid_to", 204, 16), ("english_2", 220, 22), ("nationality", 242, 6),
    ("previous_link", 250, 6),
)
LAYOUTS: dict[CardType, tuple[_Field, ...]] = {
    CardType.RESIDENT: _RESIDENT,
    CardType.PERMIT_HMT: _PERMIT,
    CardType.FOREIGN_2017: _FOREIGN_2017,
    CardType.FOREIGN_2023: _FOREIGN_2023,
}
_ENGLISH_1_CHARS = 35


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError:
        raise TextBlockError("not UCS-2") from None
    return text.strip(" \x00")


def _date(text: str, what: str) -> date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise TextBlockError(f"{what} is not YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise TextBlockError(f"{what} is not a calendar date") from None


def card_type_of(block: bytes) -> CardType:
    """The card type from offset 248; resident cards have a space there (old ones a NUL)."""
    if len(block) != TEXT_BLOCK_LEN:
        raise TextBlockError(f"text block of {len(block)} bytes")
    try:
        code = block[TYPE_OFFSET:TYPE_OFFSET + 2].decode("utf-16-le")
    except UnicodeDecodeError:
        raise UnknownCardTypeError() from None
    if code == "\x00":
        code = " "
    try:
        return CardType.from_wire_code(code)
    except ValueError:
        raise UnknownCardTypeError() from None


def parse_text_block(block: bytes, chip_photo: bytes | None = None) -> IdentityDocument:
    """The document in `block`, unvalidated (core validates); raises TextBlockError."""
    card_type = card_type_of(block)
    raw = {f.name: _decode(block[f.offset:f.offset + f.size]) for f in LAYOUTS[card_type]}
    if card_type is CardType.FOREIGN_2023:
        # Joined before stripping: a name may have its space exactly at the split.
        raw["english_name"] = _decode(block[52:122] + block[220:242])
    sex = _SEX.get(raw["sex"])
    if sex is None:
        raise TextBlockError("sex code is not 1 or 2")
    valid_to_text = raw["valid_to"]
    valid_to = None if valid_to_text == LONG_TERM else _date(valid_to_text, "valid-to")

    def opt(key: str) -> str | None:
        return raw.get(key) or None

    english = opt("english_name")
    name = raw["name"] or (english or "")
    if not name or not raw["id_number"]:
        raise TextBlockError("name or number missing")
    issuer = opt("issuer")
    if card_type is CardType.FOREIGN_2023:
        issuer = ISSUER_NIA
    elif card_type is CardType.FOREIGN_2017:
        code = raw["authority"]
        issuer = AUTHORITY_CODES.get(code, code) or None
    return IdentityDocument(
        card_type=card_type,
        name=name,
        sex=sex,
        birth_date=_date(raw["birth_date"], "birth date"),
        id_number=raw["id_number"],
        valid_from=_date(raw["valid_from"], "valid-from"),
        valid_to=valid_to,
        nation=opt("nation"),
        address=opt("address"),
        issuer=issuer,
        english_name=english,
        nationality=opt("nationality"),
        pass_number=opt("pass_number"),
        issue_count=opt("issue_count"),
        renewal_count=opt("renewal_count"),
        chip_photo=chip_photo,
    )


def build_text_block(doc: IdentityDocument) -> bytes:
    """The card's text block for `doc` (the simulator's side); ValueError when a field does not
    fit its slot or cannot be written in UCS-2."""
    t = doc.card_type
    values: dict[str, str] = {
        "name": doc.name,
        "sex": _SEX_CODE[doc.sex],
        "nation": doc.nation or "",
        "birth_date": f"{doc.birth_date:%Y%m%d}",
        "address": doc.address or "",
        "id_number": doc.id_number,
        "issuer": doc.issuer or "",
        "valid_from": f"{doc.valid_from:%Y%m%d}",
        "valid_to": LONG_TERM if doc.valid_to is None else f"{doc.valid_to:%Y%m%d}",
        "pass_number": doc.pass_number or "",
        "issue_count": doc.issue_count or "",
        "english_name": doc.english_name or "",
        "nationality": doc.nationality or "",
        "renewal_count": doc.renewal_count or "",
    }
    if t is CardType.FOREIGN_2017:
        if doc.name == doc.english_name:
            values["name"] = ""  # no Chinese name on the card
        issuer = doc.issuer or ""
        codes = {v: k for k, v in AUTHORITY_CODES.items()}
        values["authority"] = codes.get(issuer, issuer)
    if t is CardType.FOREIGN_2023:
        values["english_1"] = values["english_name"][:_ENGLISH_1_CHARS]
        values["english_2"] = values["english_name"][_ENGLISH_1_CHARS:]
    block = bytearray(" ".encode("utf-16-le") * (TEXT_BLOCK_LEN // 2))
    for f in LAYOUTS[t]:
        text = values.get(f.name, "")
        if any(ord(c) > 0xFFFF for c in text):
            raise ValueError(f"{f.name}: character outside UCS-2")
        raw = text.encode("utf-16-le")
        if len(raw) > f.size:
            raise ValueError(f"{f.name}: {len(raw)} bytes do not fit in {f.size}")
        block[f.offset:f.offset + len(raw)] = raw
    block[TYPE_OFFSET:TYPE_OFFSET + 2] = t.wire_code.encode("utf-16-le")
    return bytes(block)
