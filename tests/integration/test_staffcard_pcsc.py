"""The PC/SC staff card adapter against the project's PIV emulator behind a real pcscd + vpcd:
what a staff member at the reader would meet, per role and per failure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hardware.staffcard.pcsc import open_staffcard_reader
from hardware.staffcard.sim.state import CardState
from kiosk.core.staff import ROLES, StaffCardError
from provisioning.admin.staff_ca import pem
from tests.integration.pcsc_server import PrivatePcscd
from tests.integration.staff_cards import COUNTY, NAMES, make_ca, make_card

PIN = "24681357"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory):
    return make_ca(tmp_path_factory.mktemp("staff-ca"))


def _reader(slot: PrivatePcscd, ca, county: str | None = COUNTY):
    return open_staffcard_reader(slot.reader_uri, ca_pem=pem(ca.cert), county=county)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_is_named_as_its_certificate_says(
        reader_slot: PrivatePcscd, ca, tmp_path: Path, role: str) -> None:
    reader_slot.insert(make_card(tmp_path / "card.json", ca, role=role, staff_number="S-7"))
    reader = _reader(reader_slot, ca)
    try:
        card = reader.current()
        member = card.identify()
        assert (member.role, member.staff_number, member.county) == (role, "S-7", COUNTY)
        assert card.tries_left() == 15
        assert card.sign_in(PIN).name == NAMES[role]
    finally:
        reader.close()


def test_a_wrong_pin_says_how_many_tries_the_card_still_allows(
        reader_slot: PrivatePcscd, ca, tmp_path: Path) -> None:
    reader_slot.insert(make_card(tmp_path / "card.json", ca))
    reader = _reader(reader_slot, ca)
    try:
        card = reader.current()
        with pytest.raises(StaffCardError) as wrong:
            card.sign_in("11112222")
        assert (wrong.value.code, wrong.value.tries_left) == ("wrong_pin", 14)
        assert card.tries_left() == 14
        assert card.sign_in(PIN).role == "staff"
        assert card.tries_left() == 15
    finally:
        reader.close()


def test_a_card_whose_tries_are_spent_answers_pin_blocked_even_to_the_right_pin(
        reader_slot: PrivatePcscd, ca, tmp_path: Path) -> None:
    reader_slot.insert(make_card(tmp_path / "card.json", ca, max_tries=3))
    reader = _reader(reader_slot, ca)
    try:
        card = reader.current()
        codes = []
        for _ in range(3):
            with pytest.raises(StaffCardError) as failed:
                card.sign_in("11112222")
            codes.append(failed.value.code)
        assert codes == ["wrong_pin", "wrong_pin", "pin_blocked"]
        assert card.tries_left() == 0
        with pytest.raises(StaffCardError) as blocked:
            card.sign_in(PIN)
        assert blocked.value.code == "pin_blocked"
    finally:
        reader.close()


def test_the_card_keeps_its_spent_tries_when_pulled_out_and_put_back(
        reader_slot: PrivatePcscd, ca, tmp_path: Path) -> None:
    card_file = make_card(tmp_path / "card.json", ca)
    reader_slot.insert(card_file)
    reader = _reader(reader_slot, ca)
    try:
        with pytest.raises(StaffCardError):
            reader.current().sign_in("11112222")
        reader_slot.remove()
        reader_slot.insert(card_file)
        assert reader.current().tries_left() == 14
    finally:
        reader.close()


@pytest.mark.parametrize(("case", "code"), [("expired", "expired_card"),
                                            ("not_yet", "expired_card"),
                                            ("other_ca", "untrusted_card"),
                                            ("other_county", "wrong_county")])
def test_a_card_the_kiosk_must_not_accept_gets_its_own_answer_before_any_pin(
        reader_slot: PrivatePcscd, ca, tmp_path: Path, case: str, code: str) -> None:
    now = datetime.now(UTC)
    options: dict = {
        "expired": {"not_before": now - timedelta(days=40), "days": 30},
        "not_yet": {"not_before": now + timedelta(days=2), "days": 30},
        "other_ca": {},
        "other_county": {"county": "430103"},
    }[case]
    issuer = make_ca(tmp_path / "other-ca") if case == "other_ca" else ca
    card_file = make_card(tmp_path / "card.json", issuer, **options)
    reader_slot.insert(card_file)
    reader = _reader(reader_slot, ca)
    try:
        with pytest.raises(StaffCardError) as refused:
            reader.current().identify()
        assert refused.value.code == code
        assert CardState.load(card_file).tries_left == 15  # no PIN was tried
    finally:
        reader.close()


def test_a_card_pulled_out_mid_use_is_card_removed_and_an_empty_reader_no_card(
        reader_slot: PrivatePcscd, ca, tmp_path: Path) -> None:
    reader_slot.insert(make_card(tmp_path / "card.json", ca))
    reader = _reader(reader_slot, ca)
    try:
        card = reader.current()
        card.identify()
        reader_slot.remove()
        with pytest.raises(StaffCardError) as pulled:
            card.sign_in(PIN)
        assert pulled.value.code == "card_removed"
        with pytest.raises(StaffCardError) as empty:
            reader.current()
        assert empty.value.code == "no_card"
    finally:
        reader.close()


def test_watching_reports_a_card_inserted_then_removed(
        reader_slot: PrivatePcscd, ca, tmp_path: Path) -> None:
    events: list[str] = []
    inserted, removed = threading.Event(), threading.Event()
    reader = _reader(reader_slot, ca)

    def on_inserted(card) -> None:
        events.append(card.identify().role)
        inserted.set()

    def on_removed() -> None:
        events.append("removed")
        removed.set()

    try:
        reader.watch(on_inserted, on_removed)
        reader_slot.insert(make_card(tmp_path / "card.json", ca, role="supervisor"))
        assert inserted.wait(5)
        reader_slot.remove()
        assert removed.wait(5)
        assert events == ["supervisor", "removed"]
    finally:
        reader.close()


def test_a_reader_name_that_is_not_there_is_reader_unavailable(pcscd: PrivatePcscd, ca) -> None:
    reader = open_staffcard_reader("pcsc://No Such Reader 00 00", ca_pem=pem(ca.cert),
                                   county=COUNTY)
    try:
        with pytest.raises(StaffCardError) as missing:
            reader.current()
        assert missing.value.code == "reader_unavailable"
    finally:
        reader.close()
