"""The one table of log event ids: every id well formed, described, used, and nothing else used."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from central_api_client.logs import LogEvent

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["kiosk", "hardware", "provincial_api", "provisioning", "central_api_client", "devtools"]
AREAS = {
    "api", "autoplay", "camera", "candidate", "config", "effects", "health", "idcard", "kiosk",
    "light", "photo", "printer", "record", "seal", "sequence", "session", "staffcard", "tpm",
    "ui", "uploader", "voice",
}


def _sources() -> list[Path]:
    return [p for part in PRODUCT if (ROOT / part).is_dir() for p in (ROOT / part).rglob("*.py")]


def test_every_id_is_area_dot_name_with_a_description():
    for member in LogEvent:
        area, _, what = member.value.partition(".")
        assert area in AREAS, member
        assert re.fullmatch(r"[a-z][a-z0-9_]*", what), member
        assert member.name == member.value.upper().replace(".", "_"), member
        assert len(member.description) > 10, member


def test_no_event_is_logged_by_a_bare_string():
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("event", "log_event") and len(node.args) >= 2):
                assert not isinstance(node.args[1], ast.Constant), f"{path}:{node.lineno}"


def test_every_id_in_the_table_is_logged_somewhere():
    text = "\n".join(p.read_text() for p in _sources())
    unused = [m.name for m in LogEvent if f"LogEvent.{m.name}" not in text]
    assert not unused, f"ids nobody logs (delete them): {unused}"
