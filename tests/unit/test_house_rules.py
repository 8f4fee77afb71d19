"""Rules of the house that a machine can check, so CI keeps them (the import boundaries and
types are in test_boundaries.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", str(ROOT)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_every_step_has_a_screen_of_the_same_name():
    from kiosk.core.steps import STEPS

    screens = ROOT / "kiosk" / "ui" / "screens"
    for name in STEPS:
        assert (screens / f"{name}.py").exists() and (screens / f"{name}.kv").exists(), name
