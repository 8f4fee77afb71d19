"""Text blocks of the four card types: built from field values and parsed back, the layout
facts of the protocol notes, and fuzzing (any 256 bytes give a document or a TextBlockError)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard.ga467.errors import Ga467Error, TextBlockError, UnknownCardTypeError
from hardware.idcard.ga467.textblock import (
    TYPE_OFFSET,
    build_text_block,
    card_type_of,
    parse_text_block,
)
from kiosk.core.documents import CardType, IdentityDocument, Sex
from tests.unit.ga467_helpers import SHIPPED, differing, shipped_document


@pytest.mark.parametrize("stem", SHIPPED)
def test_shipped_cards_round_trip(stem: str) -> None:
    doc = shipped_document(stem)
    block = build_text_block(doc)
    assert len(block) == 256
    assert differing(parse_text_block(block, doc.chip_photo), doc) == []


@pytest.mark.parametrize(("stem", "code"), [("resident-valid", " "), ("permit-hmt", "J"),
                                            ("foreign-2017", "I"), ("foreign-2023", "Y")])
def test_type_character_at_248(stem: str, code: str) -> None:
    block = build_text_block(shipped_document(stem))
    assert block[TYPE_OFFSET:TYPE_OFFSET + 2] == code.encode("utf-16-le")
    assert card_type_of(block).wire_code == code


def test_long_term_validity_is_the_bytes_7f951f67() -> None:
    doc = shipped_document("resident-long-term")
    assert doc.valid_to is None
    block = build_text_block(doc)
    assert block[204:208] == bytes.fromhex("7F951F67")
    assert parse_text_block(block).valid_to is None


def test_resident_layout_offsets() -> None:
    doc = shipped_document("resident-valid")
    block = build_text_block(doc)
    assert block[30:32] == b"1\x00"  # male
    assert block[32:36] == "01".encode("utf-16-le")
    assert block[36:52] == f"{doc.birth_date:%Y%m%d}".encode("utf-16-le")
    assert block[122:158] == doc.id_number.encode("utf-16-le")


def test_2023_card_with_a_long_english_name_and_renewals() -> None:
    doc = replace(shipped_document("foreign-2023"),
                  english_name="SAMPLEFAMILYNAMEWITHMANYLETTERS, GIVEN NAME", renewal_count="02")
    back = parse_text_block(build_text_block(doc))
    assert differing(back, doc) == []
    assert back.renewal_count == "02"


def test_2023_english_name_split_on_a_space() -> None:
    doc = replace(shipped_document("foreign-2023"), english_name="A" * 35 + " B")
    assert differing(parse_text_block(build_text_block(doc)), doc) == []


def test_2017_card_without_a_chinese_name() -> None:
    doc = shipped_document("foreign-2017")
    doc = replace(doc, name=doc.english_name or "")
    assert differing(parse_text_block(build_text_block(doc)), doc) == []


def test_a_2023_card_is_never_read_with_the_resident_layout() -> None:
    block = build_text_block(shipped_document("foreign-2023"))
    assert parse_text_block(block).card_type is CardType.FOREIGN_2023
    other = block[:TYPE_OFFSET] + "Q".encode("utf-16-le") + block[TYPE_OFFSET + 2:]
    with pytest.raises(UnknownCardTypeError) as err:
        parse_text_block(other)
    assert err.value.code == "card_read_failed" and err.value.zh


def test_fields_that_do_not_fit_are_refused_when_building() -> None:
    doc = replace(shipped_document("resident-valid"), name="测" * 16)
    with pytest.raises(ValueError, match="name"):
        build_text_block(doc)


def test_bad_dates_and_sex_codes_are_text_block_errors() -> None:
    block = bytearray(build_text_block(shipped_document("resident-valid")))
    block[30:32] = "3".encode("utf-16-le")
    with pytest.raises(TextBlockError):
        parse_text_block(bytes(block))
    block = bytearray(build_text_block(shipped_document("resident-valid")))
    block[36:52] = "20081345".encode("utf-16-le")
    with pytest.raises(TextBlockError):
        parse_text_block(bytes(block))


_cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1,
               max_size=15)
_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def documents(draw: st.DrawFn) -> IdentityDocument:
    card_type = draw(st.sampled_from(CardType.readable()))
    latin = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ ,"), max_size=46).map(
        str.strip).filter(lambda s: s == "" or not s.startswith(","))
    english = draw(latin) or None if card_type in (CardType.FOREIGN_2017,
                                                  CardType.FOREIGN_2023) else None
    if card_type is CardType.FOREIGN_2017 and english:
        english = english[:60]
    number_len = 15 if card_type is CardType.FOREIGN_2017 else 18
    number = draw(st.text(st.sampled_from("0123456789X"), min_size=number_len,
                          max_size=number_len))
    resident_like = card_type in (CardType.RESIDENT, CardType.PERMIT_HMT)
    return IdentityDocument(
        card_type=card_type,
        name=draw(_cjk),
        sex=draw(st.sampled_from(list(Sex))),
        birth_date=draw(_dates),
        id_number=number,
        valid_from=draw(_dates),
        valid_to=draw(st.none() | _dates),
        nation=draw(st.sampled_from(["01", "15", "98"])) if card_type is CardType.RESIDENT
        else None,
        address=draw(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
                             max_size=35)) or None if resident_like else None,
        issuer=draw(_cjk) if resident_like else
        "中华人民共和国国家移民管理局" if card_type is not CardType.FOREIGN_2017
        else draw(st.sampled_from(["中华人民共和国国家移民管理局", "1234"])),
        english_name=english,
        nationality=draw(st.sampled_from(["CAN", "GBR", "USA"])) if english is not None
        or card_type in (CardType.FOREIGN_2017, CardType.FOREIGN_2023) else None,
        pass_number="H00000001" if card_type is CardType.PERMIT_HMT else None,
        issue_count="01" if card_type is CardType.PERMIT_HMT else None,
        renewal_count=draw(st.sampled_from([None, "01"]))
        if card_type is CardType.FOREIGN_2023 else None,
    )


@given(documents())
@settings(max_examples=150, deadline=None)
def test_any_document_round_trips(doc: IdentityDocument) -> None:
    assert differing(parse_text_block(build_text_block(doc)), doc) == []


def _parse_or_typed_error(block: bytes) -> None:
    try:
        doc = parse_text_block(block)
    except Ga467Error as exc:
        assert isinstance(exc, TextBlockError)
        return
    assert isinstance(doc, IdentityDocument)


_type_chars = st.sampled_from([" ", "J", "I", "Y", "\x00"]).map(lambda ch: ch.encode("utf-16-le"))
# Random blocks with a real type character reach the field parsers, not just the type check.
_blocks = st.one_of(
    st.binary(min_size=256, max_size=256),
    st.tuples(st.binary(min_size=248, max_size=248), _type_chars,
              st.binary(min_size=6, max_size=6)).map(b"".join),
    st.builds(build_text_block, documents()).flatmap(
        lambda b: st.tuples(st.just(b), st.integers(0, 255), st.integers(0, 255)).map(
            lambda t: t[0][:t[1]] + bytes([t[2]]) + t[0][t[1] + 1:])),
)


@given(_blocks)
@settings(max_examples=300, deadline=None)
def test_fuzz_text_blocks_quick(block: bytes) -> None:
    _parse_or_typed_error(block)


@pytest.mark.slow
@given(_blocks)
@settings(max_examples=10_000, deadline=None)
def test_fuzz_text_blocks_10k(block: bytes) -> None:
    _parse_or_typed_error(block)


@given(st.binary(max_size=300))
@settings(max_examples=100, deadline=None)
def test_wrong_sized_blocks_are_typed_errors(block: bytes) -> None:
    if len(block) != 256:
        with pytest.raises(TextBlockError):
            parse_text_block(block)
