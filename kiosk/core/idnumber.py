"""GB 11643-1999 citizen identity numbers: the check that catches a misread or forged number.

The same 18-character scheme is used by resident cards, Hong Kong/Macao/Taiwan residence permits
and the 2023 foreigner's permanent residence card, so one check serves all three.
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.core.errors import (
    IdNumberBirthDateError,
    IdNumberChecksumError,
    IdNumberFormatError,
    IdNumberSexMismatchError,
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def check_character(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise IdNumberFormatError("need 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def birth_date_of(number: str) -> date:
    """Digits 7-14, which must be a real calendar date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberBirthDateError("digits 7-14 are not a calendar date") from None


def is_male(number: str) -> bool:
    """Digit 17 is odd for men and even for women."""
    return int(number[16]) % 2 == 1


def validate(number: str, *, male: bool | None = None, birth_date: date | None = None) -> str:
    """Return the normalised number (upper-case X) or raise a typed error.

    `male` and `birth_date`, when given, are what the card says; a number that disagrees with its
    own card is as suspect as one with a wrong check digit.
    """
    normalised = number.strip().upper()
    if not _SHAPE.match(normalised):
        raise IdNumberFormatError("not 17 digits and a check character")
    if check_character(normalised[:17]) != normalised[17]:
        raise IdNumberChecksumError("check character does not match")
    born = birth_date_of(normalised)
    if born.year < 1900:
        raise IdNumberBirthDateError("birth year before 1900")
    if birth_date is not None and born != birth_date:
        raise IdNumberBirthDateError("birth date differs from the card's")
    if male is not None and is_male(normalised) != male:
        raise IdNumberSexMismatchError("sex digit differs from the card's sex")
    return normalised


def make_number(region: str, born: date, serial: int, *, male: bool) -> str:
    """Build a valid number: for synthetic test people and the simulator, never for real ones."""
    if len(region) != 6 or not region.isdigit():
        raise IdNumberFormatError("region must be 6 digits")
    serial = serial % 100
    sex_digit = (serial % 5) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{serial:02d}{sex_digit}"
    return first17 + check_character(first17)


def mask(number: str) -> str:
    """What a screen or printout shows: the first 6 and last 4 characters, the rest hidden.

    Region and check digits are enough for a candidate to recognise their own number.
    """
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
