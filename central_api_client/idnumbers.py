"""The GB 11643 check of an ID number, for the side of the wire that may not import the kiosk.

The kiosk validates numbers in `kiosk.core.idnumber` (pure, standard library only, with typed
errors for the card screens); the reference server, which imports nothing of the kiosk, checks
the numbers it imports here. Core may import nothing of the contract either, so the two are kept
in step by a property test (`tests/unit/test_candidates_wire.py`): for every string both say the
same.
"""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def id_number_problem(number: str) -> str | None:
    """Why `number` is not a valid 18-character ID number (never echoing it), or None.

    Upper-case X only: the contract carries numbers normalised."""
    if not isinstance(number, str) or not _SHAPE.fullmatch(number):
        return "not 17 digits and a check character"
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True))
    if CHECK_CHARS[total % 11] != number[17]:
        return "check character does not match"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "digits 7-14 are not a calendar date"
    if born.year < 1900:
        return "birth year before 1900"
    return None
