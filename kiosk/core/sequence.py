"""Registration sequence numbers (报名序号): 4-digit county code + 4-digit serial.

The county gives each registration point a range of serials and a number is never reused
(shared/reference/domain.md, step 4). This module is the arithmetic only; `kiosk.store` keeps
what was handed out, durably, and asks here what comes next.
"""

from __future__ import annotations

SERIAL_DIGITS = 4
MAX_SERIAL = 10**SERIAL_DIGITS - 1
COUNTY_DIGITS = 4


def check_county_code(county_code: str) -> str:
    if len(county_code) != COUNTY_DIGITS or not county_code.isascii() or not county_code.isdigit():
        raise ValueError("county code must be 4 digits")
    return county_code


def check_range(first: int, last: int) -> tuple[int, int]:
    if not (0 <= first <= last <= MAX_SERIAL):
        raise ValueError(f"serial range must satisfy 0 <= first <= last <= {MAX_SERIAL}")
    return first, last


def format_number(county_code: str, serial: int) -> str:
    """The 8-digit number printed on the login card, e.g. ('4301', 7) -> '43010007'."""
    check_county_code(county_code)
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError("serial out of range")
    return f"{county_code}{serial:0{SERIAL_DIGITS}d}"


def parse_number(number: str) -> tuple[str, int]:
    """Inverse of `format_number`: (county code, serial)."""
    if len(number) != COUNTY_DIGITS + SERIAL_DIGITS or not number.isascii() or not number.isdigit():
        raise ValueError("sequence number must be 8 digits")
    return number[:COUNTY_DIGITS], int(number[COUNTY_DIGITS:])


def next_serial(first: int, last: int, highest_issued_in_range: int | None) -> int | None:
    """The serial to hand out next, or None when the range is used up.

    Serials go up from the highest one ever issued inside [first, last] and never fill gaps
    below it: a gap is a number that was reserved and abandoned, or that lies below where a
    previous range left off, and either way handing it out later would break the order staff
    expect. Serials issued outside the current range (before the county changed it) do not
    count, which is what lets a new range start at its own first serial.
    """
    check_range(first, last)
    if highest_issued_in_range is None:
        return first
    if not first <= highest_issued_in_range <= last:
        raise ValueError("highest issued serial is not inside the range")
    candidate = highest_issued_in_range + 1
    return candidate if candidate <= last else None


def is_exhausted(first: int, last: int, highest_issued_in_range: int | None) -> bool:
    return next_serial(first, last, highest_issued_in_range) is None


def remaining(first: int, last: int, highest_issued_in_range: int | None) -> int:
    """How many serials this range can still hand out (what staff watch before it runs out)."""
    serial = next_serial(first, last, highest_issued_in_range)
    return 0 if serial is None else last - serial + 1


# Enrolment hands a machine one range per subject category (分科类); the config holds them as
# (category, first, last). A machine without them numbers from [sequence] first..last as before.
Ranges = tuple[tuple[str, int, int], ...]
_CATEGORY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def check_ranges(ranges: Ranges) -> Ranges:
    """Each category named once (lower case ASCII), each range valid, no two overlapping: the
    county gave them apart, and a number must never come out of two of them."""
    seen: set[str] = set()
    for category, first, last in ranges:
        if (not category or len(category) > 32 or not category[0].isalpha()
                or not set(category) <= _CATEGORY_CHARS or category in seen):
            raise ValueError(f"category {category!r}: lower case letters, digits, - or _,"
                             " each once")
        seen.add(category)
        check_range(first, last)
    ordered = sorted(ranges, key=lambda r: r[1])
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after[1] <= before[2]:
            raise ValueError(f"ranges of {before[0]} and {after[0]} overlap")
    return ranges


def choose_range(ranges: Ranges, category: str, first: int, last: int) -> tuple[str, int, int]:
    """The range this machine numbers from: `category`'s (the one staff set), else the first
    enrolled one, else the machine's single [first, last] of before enrolment ("" category)."""
    if not ranges:
        return "", first, last
    for chosen in ranges:
        if chosen[0] == category:
            return chosen
    if category:
        raise ValueError(f"no sequence range for category {category!r}")
    return ranges[0]
