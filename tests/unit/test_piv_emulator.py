"""The PIV card emulator answers as SP 800-73-4 says, APDU by APDU (no PC/SC here): what the
adapter and `kiosk-admin` rely on, checked against the specification's bytes rather than the
adapter's encoder."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.staffcard.sim.piv import PivCard
from hardware.staffcard.sim.state import CardState, blank_card

SELECT = bytes.fromhex("00A4040009A00000030800001000")
VERIFY_DEFAULT = bytes.fromhex("0020008008313233343536FFFF")
VERIFY_WRONG = bytes.fromhex("0020008008393939393939FFFF")
GENERATE_9A = bytes.fromhex("004700 9A 05 AC03800111".replace(" ", ""))
DIGEST = bytes(range(32))


def _sw(answer: bytes) -> str:
    return answer[-2:].hex().upper()


@pytest.fixture
def card(tmp_path: Path) -> PivCard:
    piv = PivCard(blank_card(tmp_path / "card.json", max_tries=3))
    assert _sw(piv.process(SELECT)) == "9000"
    return piv


def test_nothing_but_select_works_before_the_piv_application_is_selected(tmp_path: Path) -> None:
    piv = PivCard(blank_card(tmp_path / "card.json"))
    assert _sw(piv.process(bytes.fromhex("00200080"))) == "6985"
    assert _sw(piv.process(bytes.fromhex("00A4040005A000000308"))) == "9000"  # the short AID


def test_wrong_pins_count_down_then_block_and_the_count_is_kept_in_the_file(
        card: PivCard, tmp_path: Path) -> None:
    assert _sw(card.process(bytes.fromhex("00200080"))) == "63C3"
    assert [_sw(card.process(VERIFY_WRONG)) for _ in range(3)] == ["63C2", "63C1", "6983"]
    assert _sw(card.process(VERIFY_DEFAULT)) == "6983"  # blocked: the right PIN too
    assert CardState.load(tmp_path / "card.json").tries_left == 0


def test_a_right_pin_restores_the_tries_and_p1_ff_forgets_it(card: PivCard) -> None:
    card.process(VERIFY_WRONG)
    assert _sw(card.process(VERIFY_DEFAULT)) == "9000"
    assert _sw(card.process(bytes.fromhex("00200080"))) == "9000"  # verified
    assert _sw(card.process(bytes.fromhex("0020FF80"))) == "9000"
    assert _sw(card.process(bytes.fromhex("00200080"))) == "63C3"


def test_key_9a_signs_only_after_the_pin_and_9e_without(card: PivCard) -> None:
    card.process(VERIFY_DEFAULT)
    point_9a = card.process(GENERATE_9A)
    assert point_9a[:5] == bytes.fromhex("7F49438641") and _sw(point_9a) == "9000"
    card.process(bytes.fromhex("004700 9E 05 AC03800111".replace(" ", "")))
    card.process(bytes.fromhex("0020FF80"))
    auth = bytes.fromhex("7C24") + b"\x81\x20" + DIGEST + b"\x82\x00"
    assert _sw(card.process(bytes.fromhex("0087119A26") + auth + b"\x00")) == "6982"
    answer = card.process(bytes.fromhex("0087119E26") + auth + b"\x00")
    assert _sw(answer) == "9000" and answer[0] == 0x7C and answer[2] == 0x82
    card.process(VERIFY_DEFAULT)
    signed = card.process(bytes.fromhex("0087119A26") + auth + b"\x00")
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point_9a[5:70])
    key.verify(signed[4:-2], DIGEST, ec.ECDSA(Prehashed(hashes.SHA256())))


def test_a_chained_put_data_is_read_back_in_256_byte_pieces_with_get_response(
        card: PivCard) -> None:
    card.process(VERIFY_DEFAULT)
    body = bytes(range(256)) * 3  # 768 bytes
    obj = b"\x53\x82\x03\x04" + b"\x70\x82\x03\x00" + body
    data = bytes.fromhex("5C035FC105") + obj
    parts = [data[i:i + 255] for i in range(0, len(data), 255)]
    for part in parts[:-1]:
        assert _sw(card.process(bytes([0x10, 0xDB, 0x3F, 0xFF, len(part)]) + part)) == "9000"
    last = parts[-1]
    assert _sw(card.process(bytes([0x00, 0xDB, 0x3F, 0xFF, len(last)]) + last)) == "9000"
    answer = card.process(bytes.fromhex("00CB3FFF055C035FC10500"))
    got = answer[:-2]
    while _sw(answer).startswith("61"):
        answer = card.process(bytes([0x00, 0xC0, 0x00, 0x00, answer[-1]]))
        got += answer[:-2]
    assert _sw(answer) == "9000" and got == obj


def test_change_reference_data_needs_the_old_pin_and_takes_only_6_to_8_digits(
        card: PivCard) -> None:
    new = b"24681357"
    assert _sw(card.process(bytes.fromhex("0024008010") + b"999999\xff\xff" + new)) == "63C2"
    assert _sw(card.process(bytes.fromhex("0024008010") + b"123456\xff\xff" +
                            b"12a4\xff\xff\xff\xff")) == "6A80"
    assert _sw(card.process(bytes.fromhex("0024008010") + b"123456\xff\xff" + new)) == "9000"
    assert _sw(card.process(bytes.fromhex("0020008008") + new)) == "9000"


def test_generate_and_put_data_are_refused_before_the_pin(card: PivCard) -> None:
    assert _sw(card.process(GENERATE_9A)) == "6982"


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(min_size=0, max_size=300), max_size=6))
def test_any_bytes_from_vpcd_get_a_status_word_and_never_an_exception(
        card: PivCard, apdus: list[bytes]) -> None:
    for apdu in apdus:
        answer = card.process(apdu)
        assert len(answer) >= 2
