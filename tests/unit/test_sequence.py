"""Sequence-number arithmetic: format, next serial, exhaustion."""

from __future__ import annotations

import pytest

from kiosk.core import sequence


def test_format_and_parse_round_trip() -> None:
    assert sequence.format_number("4301", 7) == "43010007"
    assert sequence.format_number("4301", 9999) == "43019999"
    assert sequence.parse_number("43010007") == ("4301", 7)


@pytest.mark.parametrize("county", ["430", "43011", "43a1", "４３０１"])
def test_bad_county_code(county: str) -> None:
    with pytest.raises(ValueError):
        sequence.format_number(county, 1)


@pytest.mark.parametrize("serial", [-1, 10000])
def test_serial_out_of_range(serial: int) -> None:
    with pytest.raises(ValueError):
        sequence.format_number("4301", serial)


def test_first_serial_of_an_unused_range() -> None:
    assert sequence.next_serial(100, 199, None) == 100


def test_next_serial_follows_the_highest_issued() -> None:
    assert sequence.next_serial(100, 199, 100) == 101
    assert sequence.next_serial(100, 199, 150) == 151


def test_exhausted_when_the_last_serial_was_issued() -> None:
    assert sequence.next_serial(100, 199, 199) is None
    assert sequence.is_exhausted(100, 199, 199)
    assert not sequence.is_exhausted(100, 199, 198)
    assert sequence.next_serial(5, 5, None) == 5
    assert sequence.next_serial(5, 5, 5) is None


def test_remaining() -> None:
    assert sequence.remaining(1, 10, None) == 10
    assert sequence.remaining(1, 10, 4) == 6
    assert sequence.remaining(1, 10, 10) == 0


@pytest.mark.parametrize("first,last", [(-1, 5), (5, 4), (0, 10000)])
def test_bad_range(first: int, last: int) -> None:
    with pytest.raises(ValueError):
        sequence.next_serial(first, last, None)


def test_highest_outside_the_range_is_a_caller_bug() -> None:
    with pytest.raises(ValueError):
        sequence.next_serial(100, 199, 250)
