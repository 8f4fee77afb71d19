"""`kioskctl printer status|test` against a network receipt printer that is not the project's own.

The emulator is emupos (see `emupos_printer.py`): its TCP raw port answers DLE EOT from its own
status tables and it renders what it received with its own ESC/POS interpreter. The test slip
it rendered must carry a QR code that zbar reads as the device id, and its faults (set through
its control API, as a person would open the cover) must come out of `kioskctl printer status`
as the codes a technician reads. Skipped where setup found no Python >= 3.13 for emupos.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from hardware.printer import open_printer, render_login_card
from kiosk.core.login_card import LoginCard
from kiosk.fonts import cjk_font_path
from tests.escpos.qr import read_qr_codes
from tests.integration.emupos_printer import EmuposPrinter, Fault, find_emupos

DEVICE_ID = "HN-4301-0077"
KIOSKCTL = Path(sys.executable).with_name("kioskctl")


@pytest.fixture(scope="module")
def emupos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmuposPrinter]:
    """One emulated Epson TM-T20III for the module (it takes a second or two to start)."""
    command = find_emupos()
    if command is None:
        pytest.skip("emupos is not installed: scripts/setup.sh installs it into .venv-emupos "
                    "where a Python >= 3.13 exists")
    with EmuposPrinter(command, tmp_path_factory.mktemp("emupos")) as printer:
        yield printer


@pytest.fixture
def printer(emupos: EmuposPrinter) -> Iterator[EmuposPrinter]:
    emupos.clear_faults()
    yield emupos
    emupos.clear_faults()


def _kioskctl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """kioskctl as on a real machine (no KIOSK_SIMULATE: a network printer is not simulated)."""
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n\n[device]\nid = "{DEVICE_ID}"\n\n'
                      '[devices]\nprinter = "escpos-tcp://192.0.2.1"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_SIMULATE"}
    return subprocess.run([str(KIOSKCTL), *args, "--config", str(config)], capture_output=True,
                          text=True, timeout=60, env=env)


def test_test_slip_reads_back_from_the_emulators_own_rendering(
        tmp_path: Path, printer: EmuposPrinter) -> None:
    before = printer.receipt_ids()
    done = _kioskctl(tmp_path, "printer", "test", "--device", printer.uri)
    assert done.returncode == 0, done.stderr
    assert f"test slip printed for {DEVICE_ID}" in done.stdout
    slip = printer.wait_for_receipt(before)
    slip.save(tmp_path / "emupos-test-slip.png")  # to look at when this fails
    assert slip.width == 576 and 250 < slip.height < 900
    assert read_qr_codes(slip) == [DEVICE_ID]


def test_status_ready(tmp_path: Path, printer: EmuposPrinter) -> None:
    done = _kioskctl(tmp_path, "printer", "status", "--device", printer.uri, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True, "code": None, "paper": "ok", "detail": ""}


@pytest.mark.parametrize(("fault", "rc", "code", "paper"), [
    ("paper-near-end", 0, None, "near_end"),
    ("paper-out", 1, "paper_out", "out"),
    ("cover-open", 1, "cover_open", "ok"),
    ("offline", 1, "offline", "ok"),
])
def test_faults_read_as_the_technician_expects(tmp_path: Path, printer: EmuposPrinter,
                                               fault: Fault, rc: int, code: str | None,
                                               paper: str) -> None:
    printer.set_fault(fault)
    status = _kioskctl(tmp_path, "printer", "status", "--device", printer.uri, "--json")
    assert status.returncode == rc, status.stderr
    answer = json.loads(status.stdout)
    assert (answer["ok"], answer["code"], answer["paper"]) == (rc == 0, code, paper)
    before = printer.receipt_ids()
    test = _kioskctl(tmp_path, "printer", "test", "--device", printer.uri)
    assert test.returncode == rc
    if rc:  # refused before a byte of the slip was sent: nothing is held to print later
        [line] = test.stderr.strip().splitlines()
        assert f"not printed: {code}" in line
        printer.set_fault(fault, False)  # emupos would now print anything it held
        time.sleep(0.3)
        assert printer.receipt_ids() == before
    else:  # near end: printed, with the warning
        assert "paper near end" in test.stdout
        assert read_qr_codes(printer.wait_for_receipt(before)) == [DEVICE_ID]


def test_a_login_card_is_dot_for_dot_the_rendered_card(tmp_path: Path,
                                                      printer: EmuposPrinter) -> None:
    """Through the kiosk's own adapter: what emupos makes of our `GS v 0` blocks (split every
    256 rows) and the cut is the renderer's picture, so our decoder is not the only reader."""
    font = cjk_font_path(cache=tmp_path / "fonts")
    card = LoginCard(sequence_number="43010009", initial_password="20481357", name="测试丙",
                     masked_id_number="430102********0000", web_address="",
                     printed_at=datetime(2026, 11, 24, 9, 30))
    before = printer.receipt_ids()
    after = open_printer(printer.uri, tmp_path, font).print_login_card(card)
    assert after.ok
    paper = printer.wait_for_receipt(before)
    expected = render_login_card(card, font)
    assert paper.size == expected.size and paper.tobytes() == expected.tobytes()
    assert read_qr_codes(paper) == ["https://www.hneeb.cn#43010009"]
