from dataclasses import replace
from datetime import date

import pytest

from kiosk.core.documents import CardType, IdentityDocument
from kiosk.core.errors import CardExpiredError, CardNotYetValidError, IdNumberChecksumError
from tests.synthetic import resident

TODAY = date(2026, 11, 24)


def test_repr_shows_no_name_or_number():
    doc = resident()
    text = repr(doc) + str(doc)
    assert doc.name not in text and doc.id_number not in text


def test_valid_card_passes():
    doc = resident()
    assert doc.validate(TODAY) == doc


def test_expired_card():
    with pytest.raises(CardExpiredError):
        resident(valid_to=date(2026, 11, 23)).validate(TODAY)


def test_long_term_card_never_expires():
    resident(valid_to=None).validate(date(2090, 1, 1))


def test_card_not_yet_valid():
    with pytest.raises(CardNotYetValidError):
        resident(valid_from=date(2026, 11, 25)).validate(TODAY)


def test_bad_number_on_card():
    doc = resident()
    bad = doc.id_number[:17] + ("0" if doc.id_number[17] != "0" else "1")
    with pytest.raises(IdNumberChecksumError):
        replace(doc, id_number=bad).validate(TODAY)


def test_foreigner_2017_number_has_no_gb11643_check():
    doc = resident(card_type=CardType.FOREIGN_2017, id_number="ABC430102080517", nation=None)
    doc.validate(TODAY)


def test_fields_round_trip():
    doc = resident(valid_to=None)
    assert IdentityDocument.from_fields(doc.to_fields()) == doc


def test_wire_codes():
    assert [CardType.from_wire_code(c) for c in " JIY"] == list(CardType.readable())
    with pytest.raises(ValueError):
        CardType.from_wire_code("Z")
