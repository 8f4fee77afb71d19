"""What each side imports: the server nothing of the kiosk, the contract nothing of the server.

The server installs without Kivy or OpenCV (`pip install '.[server]'`, see
tests/integration/test_server_install.py), so nothing it runs may import them, even
indirectly; and the kiosk's start time must not pay for pydantic, so the contract package it
imports must not pull in the server's frameworks. Checked in a fresh interpreter each, where
`sys.modules` says what an import really costs.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIOSK_SIDE = ("kiosk", "kivy", "cv2", "numpy", "PIL", "hardware", "sqlite_utils")
SERVER_SIDE = ("pydantic", "fastapi", "starlette", "uvicorn", "yaml")


def _modules_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def _top(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names)


def _package_modules(package: str) -> list[str]:
    return [f"{package}.{info.name}" for info in pkgutil.iter_modules([str(ROOT / package)])]


def test_provincial_api_help_imports_nothing_of_the_kiosk() -> None:
    modules = _modules_after(
        "import sys\nfrom provincial_api.cli import cli\nsys.argv = ['provincial-api', '--help']\n"
        "try:\n    cli()\nexcept SystemExit:\n    pass"
    )
    assert _top(modules, KIOSK_SIDE) == []


@pytest.mark.parametrize("module", _package_modules("provincial_api"))
def test_no_server_module_imports_the_kiosk(module: str) -> None:
    if module.startswith("provincial_api.pg_"):
        pytest.importorskip("psycopg")
    assert _top(_modules_after(f"import {module}"), KIOSK_SIDE) == []


def test_the_contract_package_imports_no_server_framework() -> None:
    imports = "\n".join(f"import {m}" for m in _package_modules("central_api_client"))
    modules = _modules_after(imports)
    assert _top(modules, SERVER_SIDE + KIOSK_SIDE) == []


def test_sealing_and_uploading_import_no_server_framework() -> None:
    """kiosk.seal takes the opening code and key loaders from the contract: no pydantic."""
    modules = _modules_after("import kiosk.seal\nimport kiosk.sync.uploader")
    assert _top(modules, SERVER_SIDE) == []


def test_the_kiosk_loads_the_pdf_and_http_libraries_only_when_it_uses_them() -> None:
    """fpdf2 (~27 MB resident) and httpx (~12 MB) are not needed by a kiosk that prints no A4
    form and looks nobody up (issue 16's memory goal): the kiosk's assembly, its effects and
    its candidate lookup load them at the first form or lookup only."""
    modules = _modules_after("import kiosk.app\nimport kiosk.wiring\nimport kiosk.effects\n"
                             "import kiosk.candidate_lookup")
    assert _top(modules, ("fpdf", "httpx")) == []
    assert "fpdf" in _modules_after("from hardware.printer.forms_pdf import render_form")
