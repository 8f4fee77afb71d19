"""DLE EOT answers: the named states from the command reference, and any bytes at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.printer.escpos import status as s
from hardware.printer.printer import PRINTER_ERROR_CODES

READY = {1: b"\x12", 2: b"\x12", 3: b"\x12", 4: b"\x12"}


def _with(**bits: int) -> dict[int, bytes]:
    names = {"printer": 1, "cause": 2, "error": 3, "paper": 4}
    answers = dict(READY)
    for name, bit in bits.items():
        n = names[name]
        answers[n] = bytes((answers[n][0] | bit,))
    return answers


@pytest.mark.parametrize(("answers", "ok", "code", "paper"), [
    (READY, True, None, "ok"),
    (_with(paper=s.PAPER_NEAR_END), True, None, "near_end"),
    (_with(printer=s.ONLINE_OFFLINE, cause=s.CAUSE_PAPER_END,
           paper=s.PAPER_END | s.PAPER_NEAR_END), False, "paper_out", "out"),
    (_with(printer=s.ONLINE_OFFLINE, cause=s.CAUSE_COVER_OPEN), False, "cover_open", "ok"),
    (_with(printer=s.ONLINE_OFFLINE, cause=s.CAUSE_COVER_OPEN, paper=s.PAPER_END),
     False, "cover_open", "out"),
    (_with(printer=s.ONLINE_OFFLINE), False, "offline", "ok"),
    (_with(cause=s.CAUSE_ERROR, error=s.ERROR_CUTTER), False, "offline", "ok"),
])
def test_named_states(answers, ok, code, paper) -> None:
    st_ = s.parse(answers)
    assert (st_.ok, st_.code, st_.paper) == (ok, code, paper)


def test_cutter_error_says_so() -> None:
    assert "autocutter" in s.parse(_with(cause=s.CAUSE_ERROR, error=s.ERROR_CUTTER)).detail


@pytest.mark.parametrize("answer", [b"", b"\x12\x12", b"\x00", b"\xff", b"\x13", b"\x92"])
def test_a_byte_without_the_fixed_bits_is_refused(answer: bytes) -> None:
    with pytest.raises(s.StatusByteError):
        s.parse({**READY, 1: answer})


def test_a_missing_answer_is_refused() -> None:
    with pytest.raises(s.StatusByteError, match="DLE EOT 3"):
        s.parse({1: b"\x12", 2: b"\x12", 4: b"\x12"})


def test_queries_are_dle_eot_n() -> None:
    assert [s.query(n) for n in (1, 2, 3, 4)] == [b"\x10\x04\x01", b"\x10\x04\x02",
                                                  b"\x10\x04\x03", b"\x10\x04\x04"]
    with pytest.raises(ValueError):
        s.query(5)


@settings(max_examples=500, print_blob=True)
@given(st.lists(st.binary(max_size=3), min_size=4, max_size=4))
def test_any_bytes_give_a_status_or_a_status_byte_error(raw: list[bytes]) -> None:
    try:
        result = s.parse(dict(zip((1, 2, 3, 4), raw, strict=True)))
    except s.StatusByteError:
        return
    assert result.ok == (result.code is None)
    assert result.code is None or result.code in PRINTER_ERROR_CODES
    assert result.paper in ("ok", "near_end", "out")
    assert (result.paper == "out") <= (result.code in ("paper_out", "cover_open"))
