"""`kiosk --simulate`'s staff card: a private pcscd, the development CA and supervisor's card,
and the emulator run as its own program (`python -m hardware.staffcard.sim`); and a real machine
refusing that development CA. Run in a child process: pcsc-lite's client library remembers the
first pcscd socket a process used, which in this one is the session fixture's."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import Config, StaffConfig
from kiosk.startup import RealMachineRefused, check_real_machine
from tests.integration.pcsc_server import missing_packages

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import subprocess, sys, time
from pathlib import Path
from kiosk.config import Config
from kiosk import wiring
from kiosk.staff_signin import sign_in, staff_settings
from kiosk.store import KioskStore
from hardware.staffcard.pcsc import open_staffcard_reader
from hardware.staffcard.sim.dev_card import DEV_PIN

config = wiring.start_staffcard_simulator(Config(data_dir=Path(sys.argv[1])))
folder = config.sim_dir / "staffcard"
port = (folder / "vpcd.port").read_text().strip()
card = subprocess.Popen([sys.executable, "-m", "hardware.staffcard.sim", "--state",
                         str(folder / "card-supervisor.dev.json"), "--port", port])
settings = staff_settings(config)
reader = open_staffcard_reader(config.devices.staffcard, ca_pem=settings.ca_pem,
                               county=settings.county)
store = KioskStore(config.database_path)
try:
    deadline = time.monotonic() + 10
    while True:
        try:
            member = sign_in(reader.current(), DEV_PIN, store.staff_lockout, settings.policy)
            break
        except Exception as exc:
            if getattr(exc, "code", "") != "no_card" or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    print(member.role, member.staff_number)
finally:
    card.terminate()
    card.wait()
    reader.close()
    store.close()
"""


def test_simulate_starts_a_reader_with_the_development_supervisor_card(tmp_path: Path) -> None:
    why = missing_packages()
    if why is not None:
        pytest.skip(why)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "data")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["supervisor", "DEV-0001"]


def test_the_simulators_button_puts_the_development_clerks_card_in(tmp_path: Path) -> None:
    """The on-screen button's slot (`wiring._sim_staff_slot`): the clerk's card signs in as
    role staff, so a hand entry made with it can be approved with the supervisor's."""
    why = missing_packages()
    if why is not None:
        pytest.skip(why)
    script = SCRIPT.replace(
        """card = subprocess.Popen([sys.executable, "-m", "hardware.staffcard.sim", "--state",
                         str(folder / "card-supervisor.dev.json"), "--port", port])""",
        """card = wiring._sim_staff_slot(config)
card.insert("staff")
card.terminate = card.remove
card.wait = lambda: None""")
    assert script != SCRIPT
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["staff", "DEV-0002"]


def test_a_real_machine_refuses_the_development_staff_ca(tmp_path: Path) -> None:
    config = replace(Config(data_dir=tmp_path),
                     staff=StaffConfig(ca=str(tmp_path / "sim" / "staffcard" / "staff-ca.dev.pem")))
    with pytest.raises(RealMachineRefused, match="staff-ca.dev.pem"):
        check_real_machine(config, "kiosk", simulate=False, keys=True)


RESTART = """
import sys, tempfile, threading
from pathlib import Path
from hardware.staffcard.pcsc import open_staffcard_reader
from hardware.staffcard.sim.pcscd import PrivatePcscd
from provisioning.admin.staff_ca import pem
from tests.integration.staff_cards import COUNTY, make_ca, make_card

tmp = Path(tempfile.mkdtemp())
ca = make_ca(tmp / "ca")
card = make_card(tmp / "card.json", ca, role="technician")
pcscd = PrivatePcscd().start()
reader = open_staffcard_reader(pcscd.reader_uri, ca_pem=pem(ca.cert), county=COUNTY)
events, changed = [], threading.Event()

def inserted(c):
    events.append(c.identify().role)
    changed.set()

def removed():
    events.append("removed")
    changed.set()

try:
    reader.watch(inserted, removed)
    pcscd.insert(card)
    assert changed.wait(5); changed.clear()
    pcscd.restart()
    assert changed.wait(5); changed.clear()
    pcscd.insert(card)
    assert changed.wait(10)
    print(" ".join(events))
finally:
    reader.close()
    pcscd.stop()
"""


def test_the_watcher_carries_on_after_pcscd_restarts(tmp_path: Path) -> None:
    why = missing_packages()
    if why is not None:
        pytest.skip(why)
    done = subprocess.run([sys.executable, "-c", RESTART], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["technician", "removed", "technician"]
