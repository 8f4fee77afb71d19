"""The house's boundaries, checked in `make test`: a crossing fails the suite, and CI with it.

- Which way the imports go (../shared/DESIGN.md) is written as import-linter contracts in
  `.importlinter`; `lint-imports` checks them.
- Types: `mypy.ini` (strict for kiosk.core, kiosk.store, kiosk.sync and central_api_client).
- kiosk.core imports nothing but the standard library: a contract names only what it forbids,
  so that is checked here by reading core's imports.

Both tools keep their caches in the repository root (.mypy_cache, .import_linter_cache, listed
in .gitignore), so a warm run costs seconds. Their output is the failure message.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "kiosk" / "core"
OUTPUT_TAIL = 12000  # characters of a tool's report shown on failure: the summary is at the end


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def _report(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout + result.stderr)[-OUTPUT_TAIL:]


def test_imports_follow_the_design() -> None:
    result = _run("-c", "import sys; from importlinter.cli import lint_imports_command; "
                  "sys.exit(lint_imports_command())", "--no-logo")
    assert result.returncode == 0, _report(result)


def test_types_check() -> None:
    result = _run("-m", "mypy")
    assert result.returncode == 0, _report(result)


def _imported_modules(path: Path) -> list[str]:
    """Absolute names of what `path` (a module of kiosk.core) imports, relative ones resolved."""
    package = ["kiosk", "core", *path.relative_to(CORE).parent.parts]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.append(node.module or "")
            else:
                base = package[: len(package) - node.level + 1]
                names.append(".".join([*base, *([node.module] if node.module else [])]))
    return names


def test_core_imports_only_the_standard_library() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "kiosk.core" and not name.startswith("kiosk.core.")
    ]
    assert not offenders, "kiosk.core imports beyond the standard library:\n" + "\n".join(offenders)
