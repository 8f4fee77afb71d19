"""The staff panel in a real Kivy window on Xvfb: a staff card inserted opens the PIN pad, the
PIN opens the panel, and what staff do there is what a candidate and the province then see.

STAND-IN: the staff card reader here is `tests/ui/staffcard_standin.py` until the PC/SC fixture
(pcscd + vpcd + the project's PIV card emulator) is on main; then these runs go through it.
What each run showed is read from the `autoplay.screen_text` lines of `devtools/staff_scripts`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kiosk.core.notices import Notice
from kiosk.core.texts import notice_text, text
from kiosk.store import KioskStore
from provisioning.devrun import BIN

SIZES = ["1920x1080", "1080x1920", "1280x800"]


def _play(kiosk, script: str, *args: str, timeout: float = 150) -> None:
    env = {**os.environ, "DISPLAY": kiosk.display}
    with open(kiosk.log, "ab") as log:
        done = subprocess.run(
            [str(BIN / "python"), "-m", "tests.ui.staff_play", script, "--simulate",
             "--config", str(kiosk.config), "--no-uploader", *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    assert done.returncode == 0, kiosk.log_tail(40)


def _read(kiosk, label: str) -> dict[str, str]:
    seen = [e for e in kiosk.log_events()
            if e.get("event") == "autoplay.screen_text" and e.get("label") == label]
    assert seen, f"nothing read as {label!r}"
    return seen[-1]["texts"]


def _store(kiosk) -> KioskStore:
    return KioskStore(kiosk.data_dir / "kiosk.sqlite", min_free_bytes=0)


@pytest.mark.parametrize("size", SIZES)
def test_every_staff_screen_fits_each_panel_size(make_kiosk, api_server, tmp_path, size):
    """PIN pad, a wrong PIN, the panel, exceptions, the report: the layout check fails the run
    on a button under 15 mm or text out of its box; pulling the card returns to attract."""
    kiosk = make_kiosk(api_server)
    shots = tmp_path / "shots"
    _play(kiosk, "staff-tour", "--size", size, "--shots", str(shots))
    width, height = (int(v) for v in size.split("x"))
    names = []
    for shot in sorted(shots.glob("*.png")):
        with Image.open(shot) as img:
            assert img.size == (width, height)
        names.append(shot.stem.split("-", 1)[1])
    assert names == ["staff-pin", "staff-pin-wrong", "staff-panel", "staff-exceptions",
                     "staff-report", "attract-after-staff"]
    wrong = _read(kiosk, "pin-wrong")
    assert wrong["status"] == "\n".join([text("staff_error_wrong_pin"),
                                         text("staff_pin_tries_left", tries=14)])
    assert wrong["who"] == text("staff_pin_card_of", role=text("role_staff"),
                                staff_number="T0001")
    panel = _read(kiosk, "panel")
    assert panel["kiosk_state"] == text("staff_open")
    assert panel["today"] == text("staff_no_sessions")
    assert panel["void_number"] == text("staff_void_none")
    assert _read(kiosk, "report-staff")["said"] == text("staff_report_needs_supervisor")
    logged = kiosk.log.read_text(encoding="utf-8")
    assert "示例职员" not in logged and "246810" not in logged and "135790" not in logged
