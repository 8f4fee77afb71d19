"""Signing staff in as the kiosk and `kioskctl staff check` do (kiosk.staff_signin), through
pcscd + vpcd and the PIV emulator: the software lockout that survives a reopened database, the
audit entries of wrong PINs (never the PIN or the name), and the technicians' and admins'
commands run as processes, as they would be in a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hardware.staffcard.pcsc import open_staffcard_reader
from hardware.staffcard.sim.state import blank_card
from kiosk.core.staff import LockoutPolicy, StaffCardError
from kiosk.staff_signin import sign_in
from kiosk.store import KioskStore
from provisioning.admin.staff_ca import pem
from tests.integration.pcsc_server import PrivatePcscd
from tests.integration.staff_cards import COUNTY, NAMES, PASSPHRASE, make_ca, make_card

PIN = "24681357"
BIN = Path(sys.executable).parent
POLICY = LockoutPolicy(free_tries=2, base_s=15)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _attempt(slot: PrivatePcscd, ca, db: Path, pin: str, clock: Clock) -> StaffCardError | str:
    """One PIN at the reader with the store opened afresh, as after a restart."""
    reader = open_staffcard_reader(slot.reader_uri, ca_pem=pem(ca.cert), county=COUNTY)
    store = KioskStore(db)
    try:
        return sign_in(reader.current(), pin, store.staff_lockout, POLICY, clock).role
    except StaffCardError as exc:
        return exc
    finally:
        reader.close()
        store.close()


def test_the_lockout_doubles_and_survives_a_reopened_store_and_a_good_pin_ends_it(
        reader_slot: PrivatePcscd, tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "ca")
    reader_slot.insert(make_card(tmp_path / "card.json", ca, role="supervisor"))
    db, clock = tmp_path / "kiosk.sqlite", Clock()
    first, second = (_attempt(reader_slot, ca, db, "11112222", clock) for _ in range(2))
    assert [(e.code, e.tries_left) for e in (first, second)] == [("wrong_pin", 14),
                                                                  ("wrong_pin", 13)]
    locked = _attempt(reader_slot, ca, db, PIN, clock)  # even the right PIN waits
    assert (locked.code, locked.seconds) == ("locked_out", 15)
    clock.now += timedelta(seconds=16)
    third = _attempt(reader_slot, ca, db, "11112222", clock)
    assert third.code == "wrong_pin"
    assert _attempt(reader_slot, ca, db, PIN, clock).seconds == 30  # doubled
    clock.now += timedelta(seconds=31)
    assert _attempt(reader_slot, ca, db, PIN, clock) == "supervisor"
    assert _attempt(reader_slot, ca, db, PIN, clock) == "supervisor"  # the count started again

    store = KioskStore(db)
    try:
        entries = store.audit.entries()
        assert store.audit.verify().ok
    finally:
        store.close()
    events = [entry.event for entry in entries]
    assert events == ["staff.wrong_pin"] * 3 + ["staff.signed_in"] * 2
    text = " ".join(entry.facts for entry in entries)
    assert "11112222" not in text and PIN not in text and NAMES["supervisor"] not in text


def _config(tmp_path: Path, slot: PrivatePcscd, ca_file: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'data_dir = "{tmp_path / "data"}"\n\n[devices]\nstaffcard = '
                    f'"{slot.reader_uri}"\n\n[staff]\nca = "{ca_file}"\ncounty = "{COUNTY}"\n',
                    encoding="utf-8")
    return path


def _run(program: str, *args: str, slot: PrivatePcscd) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in slot.env.items() if k != "KIOSK_SIMULATE"}
    return subprocess.run([str(BIN / program), *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_a_card_programmed_by_kiosk_admin_signs_in_with_kioskctl_staff_check(
        reader_slot: PrivatePcscd, tmp_path: Path) -> None:
    phrase = tmp_path / "passphrase"
    phrase.write_bytes(PASSPHRASE + b"\n")
    made = _run("kiosk-admin", "staff-ca", "init", str(tmp_path / "ca"), "--passphrase-file",
                str(phrase), slot=reader_slot)
    assert made.returncode == 0, made.stderr
    reader_slot.insert(blank_card(tmp_path / "card.json"))
    issued = _run("kiosk-admin", "staff", "issue", "--ca", str(tmp_path / "ca"),
                  "--passphrase-file", str(phrase), "--role", "technician",
                  "--name", NAMES["technician"], "--staff-number", "T-0042",
                  "--county", COUNTY, "--reader", "Virtual PCD 00 00", "--pin", PIN,
                  "-o", str(tmp_path / "card.pem"), slot=reader_slot)
    assert issued.returncode == 0, issued.stderr
    assert (tmp_path / "card.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    config = _config(tmp_path, reader_slot, tmp_path / "ca" / "staff-ca.pem")

    checked = _run("kioskctl", "staff", "check", "--config", str(config), "--pin", PIN,
                   "--json", slot=reader_slot)
    assert checked.returncode == 0, checked.stderr
    answer = json.loads(checked.stdout)
    assert (answer["name"], answer["role"], answer["staff_number"]) == (
        NAMES["technician"], "technician", "T-0042")

    wrong = _run("kioskctl", "staff", "check", "--config", str(config), "--pin", "123456",
                 slot=reader_slot)  # the default PIN no longer works
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip() == "wrong_pin: wrong PIN: the card allows 14 more tries"

    # The same card at the kiosk: the staff side identifies it, the PIN pad takes the PIN
    # and the panel opens, naming its holder.
    from kiosk.core.staff_session import StaffView
    from kiosk.staff_shell import StaffShell
    from tests.unit.test_session import make

    _shell, session = make()
    reader = open_staffcard_reader(reader_slot.reader_uri,
                                   ca_pem=(tmp_path / "ca" / "staff-ca.pem").read_bytes(),
                                   county=COUNTY)
    staff = StaffShell(session, None, reader=reader, device_id="T-1")
    staff.start()
    try:
        deadline = time.monotonic() + 10
        while staff.state.identified is None and time.monotonic() < deadline:
            staff._worker.submit(lambda: None).result(timeout=5)
            time.sleep(0.02)
        assert staff.view is StaffView.PIN
        assert staff.enter_pin(PIN)
        staff._worker.submit(lambda: None).result(timeout=5)
        assert staff.view is StaffView.PANEL and staff.member is not None
        assert (staff.member.staff_number, staff.member.role) == ("T-0042", "technician")
    finally:
        staff.stop()


@pytest.mark.parametrize(("case", "code"), [("other_ca", "untrusted_card"),
                                            ("expired", "expired_card"),
                                            ("empty", "no_card"),
                                            ("no_reader", "reader_unavailable")])
def test_kioskctl_staff_check_prints_one_code_and_exits_1(
        reader_slot: PrivatePcscd, tmp_path: Path, case: str, code: str) -> None:
    ca = make_ca(tmp_path / "ca")
    ca_file = tmp_path / "ca" / "staff-ca.pem"
    if case == "other_ca":
        reader_slot.insert(make_card(tmp_path / "card.json", make_ca(tmp_path / "other")))
    elif case == "expired":
        reader_slot.insert(make_card(tmp_path / "card.json", ca, days=1,
                                     not_before=datetime.now(UTC) - timedelta(days=3)))
    extra = ["--reader", "No Such Reader"] if case == "no_reader" else []
    done = _run("kioskctl", "staff", "check", "--config",
                str(_config(tmp_path, reader_slot, ca_file)), "--pin", PIN, "--json", *extra,
                slot=reader_slot)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["code"] == code


def test_without_pcscd_the_reader_is_unavailable(tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "ca")
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[staff]\nca = '
                      f'"{tmp_path / "ca" / "staff-ca.pem"}"\n', encoding="utf-8")
    assert ca is not None
    done = subprocess.run([str(BIN / "kioskctl"), "staff", "check", "--config", str(config),
                           "--reader", "pcsc://", "--pin", PIN], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("reader_unavailable:")


def test_selftest_names_the_staff_ca_and_finds_the_staff_card_reader(
        pcscd: PrivatePcscd, tmp_path: Path) -> None:
    from kiosk.config import load_config
    from provisioning.selftest import check_staff_ca, check_staff_reader

    make_ca(tmp_path / "ca")
    config = load_config(_config(tmp_path, pcscd, tmp_path / "ca" / "staff-ca.pem"))
    found = {c.part: (c.level, c.summary)
             for c in [check_staff_ca(config), *check_staff_reader(config)]}
    assert found == {"staff CA": ("ok", "installed from kiosk.toml [staff] ca"),
                     "staff card reader": ("ok", "Virtual PCD 00 00")}
    gone = load_config(_config(tmp_path, pcscd, tmp_path / "missing.pem"))
    gone = replace(gone, devices=replace(gone.devices, staffcard="pcsc://Not Here 00 00"))
    assert [c.level for c in [check_staff_ca(gone), *check_staff_reader(gone)]] == [
        "fail", "fail"]


def test_the_kiosks_reader_trusts_the_staff_ca_in_force_at_each_card(
        reader_slot: PrivatePcscd, tmp_path: Path) -> None:
    from kiosk import wiring
    from kiosk.config import load_config

    old, new = make_ca(tmp_path / "old"), make_ca(tmp_path / "new")
    trusted = tmp_path / "trusted.pem"
    trusted.write_bytes(pem(old.cert))
    config = load_config(_config(tmp_path, reader_slot, trusted))
    store = KioskStore(config.database_path)
    reader = wiring.open_staff_card_reader(config)
    assert reader is not None
    try:
        sign = wiring.staff_sign_in(config, store)
        reader_slot.insert(make_card(tmp_path / "card.json", new, role="staff"))
        with pytest.raises(StaffCardError) as refused:
            sign(reader.current(), PIN)
        assert refused.value.code == "untrusted_card"
        trusted.write_bytes(pem(new.cert))  # the province's new staff CA arrives
        assert sign(reader.current(), PIN).role == "staff"
        assert [e.event for e in store.audit.entries()] == ["staff.signed_in"]
    finally:
        reader.close()
        store.close()
