"""The printer fails at the print step in a running kiosk (a real Kivy window on Xvfb, the
tests' own network receipt printer on loopback), out of paper, with its cover open or offline:
the record is already saved, the screen says why, to ask staff and that a later reprint is the
central system's, staff see the alert for that fault, and once the printer is fixed "print
again" prints the card, which is then decoded and its QR read."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta

import pytest
from PIL import Image

from hardware.printer import render_login_card
from kiosk.core import idnumber
from kiosk.core.login_card import LoginCard
from kiosk.core.steps import CHINA_TZ
from kiosk.fonts import cjk_font_path
from provisioning.devrun import BIN
from tests.escpos.decode import Raster
from tests.escpos.fake_printer import FakeReceiptPrinter
from tests.escpos.qr import read_qr_codes


def _events(kiosk, name):
    return [e for e in kiosk.log_events() if e.get("event") == name]


def _held_payload(server, kiosk, record_id) -> dict:
    """The record as the province opens it (the simulated kiosk's development key)."""
    key = kiosk.data_dir / "keys" / "province_x25519.dev-private.pem"
    out = subprocess.run([str(BIN / "provincial-api"), "open", record_id, "--key", str(key),
                          "--db", str(server.db)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _is_the_card_of(printed: Image.Image, payload: dict, around: datetime) -> bool:
    """Whether `printed` is, dot for dot, the login card of the record the province holds:
    any line missing or wrong (number, password, name, ID, time) makes it differ."""
    font = cjk_font_path()
    for minutes in (-1, 0, 1):  # the card shows the minute it was printed
        at = (around + timedelta(minutes=minutes)).astimezone(CHINA_TZ)
        card = LoginCard(
            sequence_number=payload["sequence_number"],
            initial_password=payload["initial_password"],
            name=payload["identity"]["name"],
            masked_id_number=idnumber.mask(payload["identity"]["id_number"]),
            web_address="", printed_at=at.replace(second=0, microsecond=0))
        if render_login_card(card, font).tobytes() == printed.tobytes():
            return True
    return False


@pytest.mark.parametrize(("state", "language", "loaded", "alerts"), [
    ("paper_out", "zh", "ready", ["staff_printer_paper_out", "none"]),
    ("paper_out", "en", "near_end", ["staff_printer_paper_out", "staff_printer_paper_low"]),
    ("cover_open", "zh", "ready", ["staff_printer_cover_open", "none"]),
    ("offline", "en", "ready", ["staff_printer_offline", "none"]),
])
def test_printer_fails_then_print_again(make_kiosk, api_server, tmp_path, state, language,
                                        loaded, alerts):
    """The player checks the words on the failed print screen (the cause, ask staff, a later
    reprint is the province's) and screenshots it; they are kept under `tmp_path/shots`."""
    shots = tmp_path / "shots"
    with FakeReceiptPrinter(state, then=(loaded,)) as printer:
        kiosk = make_kiosk(api_server, devices={"printer": printer.uri})
        with kiosk.config.open("a", encoding="utf-8") as config:  # (`display` is taken)
            config.write(f'\n[display]\nlanguage = "{language}"\n')
        result = kiosk.play("print-recovery", "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()

    names = [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))]
    assert names == [f"print-{state.replace('_', '-')}", "done-after-reprint"]
    for shot in shots.glob("*.png"):
        with Image.open(shot) as img:
            assert img.size == (1920, 1080)

    assert len(_events(kiosk, "record.saved")) == 1  # saved once, before the first attempt
    failed = _events(kiosk, "effects.failed")
    assert [e["code"] for e in failed] == [state]
    assert len(_events(kiosk, "printer.login_card_printed")) == 1
    assert [e["alert"] for e in _events(kiosk, "health.printer")] == alerts
    assert printer.connections == 2 and not printer.errors
    assert not any(isinstance(c, Raster) for c in printer.refused)  # no job for an empty printer
    [card] = printer.receipts()
    card.save(tmp_path / "printed-card.png")  # to look at
    [qr] = read_qr_codes(card)
    web, _, number = qr.partition("#")
    assert web == "https://www.hneeb.cn" and len(number) == 8 and number.startswith("4301")
    assert kiosk.status()["records"]["queued"] == 1

    upload = kiosk.upload_once()
    assert upload.returncode == 0, upload.stdout[-2000:]
    [saved] = _events(kiosk, "record.saved")
    payload = _held_payload(api_server, kiosk, saved["record_id"])
    assert payload["sequence_number"] == number
    assert _is_the_card_of(card, payload, datetime.now(CHINA_TZ)), \
        "the printed card is not the card of the record the province holds"
