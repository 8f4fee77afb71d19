import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core import idnumber
from kiosk.core.errors import (
    DocumentError,
    IdNumberBirthDateError,
    IdNumberChecksumError,
    IdNumberFormatError,
    IdNumberSexMismatchError,
)


def test_published_example_check_character():
    # The worked example from GB 11643-1999's annex.
    assert idnumber.check_character("11010519491231002") == "X"


def test_valid_number_is_accepted_and_normalised():
    n = idnumber.make_number("430102", date(2008, 5, 17), 3, male=True)
    assert idnumber.validate(n.lower(), male=True, birth_date=date(2008, 5, 17)) == n


def test_wrong_check_digit():
    n = idnumber.make_number("430102", date(2008, 5, 17), 3, male=True)
    bad = n[:17] + ("0" if n[17] != "0" else "1")
    with pytest.raises(IdNumberChecksumError):
        idnumber.validate(bad)


def test_impossible_birth_date():
    first17 = "43010220080230031"  # 30 February
    with pytest.raises(IdNumberBirthDateError):
        idnumber.validate(first17 + idnumber.check_character(first17))


def test_sex_digit_must_agree_with_card():
    n = idnumber.make_number("430102", date(2008, 5, 17), 3, male=True)
    with pytest.raises(IdNumberSexMismatchError):
        idnumber.validate(n, male=False)


def test_birth_date_must_agree_with_card():
    n = idnumber.make_number("430102", date(2008, 5, 17), 3, male=True)
    with pytest.raises(IdNumberBirthDateError):
        idnumber.validate(n, birth_date=date(2008, 5, 18))


@pytest.mark.parametrize("text", ["", "123", "4301022008051700X1", "43010220080517003Y", "４３"])
def test_malformed(text):
    with pytest.raises(IdNumberFormatError):
        idnumber.validate(text)


def test_mask_hides_birth_date_and_serial():
    n = idnumber.make_number("430102", date(2008, 5, 17), 3, male=True)
    masked = idnumber.mask(n)
    assert masked.startswith("430102") and masked.endswith(n[-4:])
    assert "20080517" not in masked and len(masked) == 18


@given(st.text(max_size=30))
def test_any_text_gives_a_number_or_a_typed_error(text):
    with contextlib.suppress(DocumentError):
        idnumber.validate(text)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(0, 99),
    st.booleans(),
)
def test_made_numbers_always_validate(born, serial, male):
    n = idnumber.make_number("430102", born, serial, male=male)
    assert idnumber.validate(n, male=male, birth_date=born) == n
