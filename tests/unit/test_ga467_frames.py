"""GA 467 frames: the reference byte sequences, round trips, resynchronisation, and fuzzing
(any bytes give a frame, a Response or a typed Ga467Error, never another exception)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard.ga467 import commands as c
from hardware.idcard.ga467.errors import (
    STATUS_ERRORS,
    FrameChecksumError,
    FrameError,
    FrameTruncatedError,
    Ga467Error,
    ReaderTimeoutError,
    UnknownStatusError,
    error_for_status,
)
from hardware.idcard.ga467.frames import (
    MIN_COMMAND_LEN,
    PREAMBLE,
    Command,
    Response,
    checksum,
    parse_command,
    parse_response,
    read_frame,
    split_frames,
)

REFERENCE = {
    c.RESET_SAM: "00 03 10 FF EC",
    c.SAM_STATUS: "00 03 11 FF ED",
    c.SAM_ID: "00 03 12 FF EE",
    c.FIND_CARD: "00 03 20 01 22",
    c.SELECT_CARD: "00 03 20 02 21",
    c.READ_TEXT_PHOTO: "00 03 30 01 32",
    c.READ_TEXT_PHOTO_FP: "00 03 30 10 23",
    c.READ_NEWEST_ADDRESS: "00 03 30 03 30",
}


@pytest.mark.parametrize("command", list(REFERENCE), ids=lambda cmd: f"{cmd.cmd:02X}{cmd.para:02X}")
def test_commands_match_the_reference_bytes(command: Command) -> None:
    assert command.encode() == PREAMBLE + bytes.fromhex(REFERENCE[command])
    assert parse_command(command.encode()) == command


@pytest.mark.parametrize(("hex_", "sw3"), [("00 04 00 00 90 94", 0x90),
                                           ("00 04 00 00 80 84", 0x80),
                                           ("00 04 00 00 41 45", 0x41)])
def test_reference_responses_parse(hex_: str, sw3: int) -> None:
    response = parse_response(PREAMBLE + bytes.fromhex(hex_))
    assert response == Response(0, 0, sw3)
    assert response.encode() == PREAMBLE + bytes.fromhex(hex_)


def test_set_baud_frames() -> None:
    for baud, code in c.BAUD_CODES.items():
        frame = c.set_baud(baud).encode()
        assert frame[7:9] == bytes([0x60, code])
        assert frame[-1] == checksum(frame[5:-1])
        assert c.baud_for_code(code) == baud
    with pytest.raises(ValueError):
        c.set_baud(4800)


def test_read_answer_is_a_1295_byte_frame_with_text_at_14_and_photo_at_270() -> None:
    card = c.CardData(bytes(range(256)), bytes([7]) * 1024)
    frame = Response(0, 0, 0x90, c.encode_card_data(card, with_fingerprint=False)).encode()
    assert len(frame) == 1295 and frame[5:7] == b"\x05\x08"
    assert frame[14:270] == card.text and frame[270:1294] == card.photo
    decoded = c.decode_card_data(parse_response(frame).data, with_fingerprint=False)
    assert decoded == card


def test_fingerprint_answer_puts_text_at_16() -> None:
    card = c.CardData(bytes(256), bytes(1024), bytes([1]) * 1024)
    frame = Response(0, 0, 0x90, c.encode_card_data(card, with_fingerprint=True)).encode()
    assert frame[16:272] == card.text
    assert c.decode_card_data(parse_response(frame).data, with_fingerprint=True) == card


def test_bad_checksum_and_truncation_are_typed() -> None:
    frame = Response(0, 0, 0x90, b"abc").encode()
    with pytest.raises(FrameChecksumError):
        parse_response(frame[:-1] + bytes([frame[-1] ^ 1]))
    with pytest.raises(FrameTruncatedError):
        parse_response(frame[:-2])
    with pytest.raises(FrameError):
        parse_response(b"\x00" + frame[1:])


def _reader_of(data: bytes):
    stream = bytearray(data)

    def read(n: int, timeout: float) -> bytes:
        chunk = bytes(stream[:n])
        del stream[:n]
        return chunk

    return read


def test_resynchronises_after_garbage_and_false_preambles() -> None:
    frame = Response(0, 0, 0x9F, bytes(4)).encode()
    junk = b"\x01\xaa\xaa" + PREAMBLE + b"\xff\xff" + b"\xaa\xaa\xaa\x96"  # impossible LEN
    assert read_frame(_reader_of(junk + frame), 1.0) == frame
    assert split_frames(b"zz" + frame + b"\xaa" + frame + frame[:5]) == [frame, frame]


def test_silence_is_a_timeout_and_half_a_frame_is_truncated() -> None:
    with pytest.raises(ReaderTimeoutError) as silent:
        read_frame(_reader_of(b""), 0.05)
    assert silent.value.code == "reader_unavailable"
    with pytest.raises(FrameTruncatedError) as cut:
        read_frame(_reader_of(Response(0, 0, 0x90, bytes(20)).encode()[:15]), 0.05)
    assert cut.value.code == "card_read_failed"


def test_every_status_has_a_typed_bilingual_error() -> None:
    expected = {0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66,
                0x80, 0x81, 0x91}
    assert set(STATUS_ERRORS) == expected
    for status in expected:
        err = error_for_status(status)
        assert err.status == status and err.zh and err.en
        assert f"0x{status:02X}" in str(err)
    assert error_for_status(0x80).code == "no_card"
    assert error_for_status(0x41).code == "card_read_failed"
    assert error_for_status(0x66).code == "reader_unavailable"
    assert isinstance(error_for_status(0x55), UnknownStatusError)


def _parse_any(data: bytes) -> None:
    for frame in split_frames(data):
        with contextlib.suppress(Ga467Error):
            parse_response(frame)
    for frame in split_frames(data, minimum=MIN_COMMAND_LEN):
        with contextlib.suppress(Ga467Error):
            parse_command(frame)
    with contextlib.suppress(Ga467Error):
        read_frame(_reader_of(data), 0.01)
    with contextlib.suppress(Ga467Error):
        parse_response(data)


_frames = st.builds(lambda sw, data: Response(*sw, data).encode(),
                    st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
                    st.binary(max_size=64))
# Noise, real frames, and preamble fragments mixed: the parser's hard cases come from these.
_streams = st.lists(st.one_of(st.binary(max_size=40), _frames,
                              st.sampled_from([PREAMBLE, PREAMBLE[:3], b"\x00\x04", b"\xff"])),
                    max_size=8).map(b"".join)


@given(_streams)
@settings(max_examples=200, deadline=None)
def test_fuzz_frames_quick(data: bytes) -> None:
    _parse_any(data)


@pytest.mark.slow
@given(_streams)
@settings(max_examples=10_000, deadline=None)
def test_fuzz_frames_10k(data: bytes) -> None:
    _parse_any(data)


@given(st.lists(_frames, min_size=1, max_size=5),
       st.binary(max_size=30).map(lambda b: b.replace(b"\xaa", b"")))
@settings(max_examples=200, deadline=None)
def test_frames_survive_leading_garbage(frames: list[bytes], garbage: bytes) -> None:
    assert split_frames(garbage + b"".join(frames)) == frames
