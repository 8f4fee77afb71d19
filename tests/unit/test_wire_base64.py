"""The blobs' base64 is pybase64's (SIMD, `central_api_client.records.decode_binary`): it must
accept nothing the standard library's strict decoder refuses, decode what both accept to the
same bytes, and accept every standard encoding, so swapping the decoder for speed let no new
input in. It is stricter in one way: Python 3.11's strict mode still takes padding after a
whole quantum ("AAAA="), which is no one's encoding; pybase64 refuses it."""

from __future__ import annotations

import base64
import binascii

import pybase64
from hypothesis import example, given, settings
from hypothesis import strategies as st

from central_api_client.records import RecordFormatError, decode_binary

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _standard(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _agree(text: str) -> None:
    ours, standard = _ours(text), _standard(text)
    if ours is not None:
        assert ours == standard
    elif standard is not None:  # refused by us alone: only a non-standard encoding
        assert base64.b64encode(standard).decode("ascii") != text
        assert text.rstrip("=") != text and len(text.rstrip("=")) % 4 == 0


def _ours(text: str) -> bytes | None:
    try:
        return decode_binary("blob", text)
    except RecordFormatError as exc:
        assert exc.code == "invalid_base64"
        return None


# Near-base64 text: the alphabet, padding, the URL-safe pair, white space and a non-ASCII
# character, so most draws sit on the border between valid and not.
near_base64 = st.text(alphabet=st.sampled_from([*ALPHABET, "=", "-", "_", " ", "\n", "é"]),
                      max_size=40)


@settings(max_examples=1500)
@given(near_base64)
@example("")
@example("A")
@example("AA==")
@example("AA=")
@example("AA==AA==")
@example("=AAA")
@example("AAA=\n")
@example("AAAA=")
@example("QUJD\u00e9")
def test_strict_decoding_takes_nothing_the_standard_library_refuses(text: str) -> None:
    _agree(text)


@settings(max_examples=300)
@given(st.binary(max_size=3000), st.integers(min_value=0, max_value=4000),
       st.sampled_from(["", "=", "==", "A", "!", "-", "\n"]))
def test_an_encoding_is_read_back_and_one_cut_or_extended_takes_nothing_new(
        raw: bytes, cut: int, tail: str) -> None:
    text = base64.b64encode(raw).decode("ascii")
    assert _ours(text) == raw
    _agree(text[:cut] + tail)


@given(st.binary(max_size=5000))
def test_encoding_is_the_standard_encoding(raw: bytes) -> None:
    assert pybase64.b64encode_as_string(raw) == base64.b64encode(raw).decode("ascii")
