"""Every module of the pure core imports on its own, whichever is imported first.

A cycle between core modules (schedule -> steps -> confirmation -> roster_window -> schedule)
works or fails depending on which module a program happens to import first, so the kiosk, the
uploader and kioskctl can each meet it differently. Each module is imported here into an
interpreter that has loaded no other module of the project.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import importlib, sys
bad = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "kiosk" or m.startswith("kiosk.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        bad.append(f"{name}: {type(exc).__name__}: {exc}")
print("\\n".join(bad))
"""


def test_each_core_module_imports_first():
    modules = sorted(f"kiosk.core.{p.stem}" for p in (ROOT / "kiosk/core").glob("*.py")
                     if p.stem != "__init__")
    out = subprocess.run([sys.executable, "-c", _PROBE, *modules], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", out.stdout
