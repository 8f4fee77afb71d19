"""Rules of the house that a machine can check, so CI keeps them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_CORE = re.compile(
    r"^\s*(from|import)\s+(kivy|serial|usb|smartcard|cv2|escpos|httpx|sqlite3|sqlite_utils)\b",
    re.M,
)


def test_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", str(ROOT)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_core_stays_pure():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "kiosk" / "core").rglob("*.py")
        if FORBIDDEN_IN_CORE.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders


def test_only_ui_imports_ui():
    pattern = re.compile(r"^\s*(from|import)\s+kiosk\.ui\b", re.M)
    offenders = [
        str(p.relative_to(ROOT))
        for d in ("hardware", "central_api_client", "kiosk/core", "kiosk/store", "kiosk/sync")
        for p in (ROOT / d).rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders


def test_every_step_has_a_screen_of_the_same_name():
    from kiosk.core.steps import STEPS

    screens = ROOT / "kiosk" / "ui" / "screens"
    for name in STEPS:
        assert (screens / f"{name}.py").exists() and (screens / f"{name}.kv").exists(), name
