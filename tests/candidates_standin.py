"""STAND-IN, for the journeys' end-to-end tests only, until the kiosk's own `CandidateLookup`
(the provincial API over a sealed request, else this point's sealed roster) is on main and
wired by `kiosk.wiring.candidate_lookup`. It answers from a JSON file the test writes, of
synthetic candidates; `devtools.play` installs it when KIOSK_TEST_CANDIDATES names the file.
Replace it (and that hook) with the real lookup against the reference server on loopback.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from kiosk.core.candidates import Exam, OnlineRegistration


def write(path: Path, registrations: list[OnlineRegistration]) -> Path:
    path.write_text(json.dumps([{**asdict(r), "fields": dict(r.fields)} for r in registrations],
                               ensure_ascii=False), encoding="utf-8")
    return path


class FileLookup:
    def __init__(self, path: Path) -> None:
        self.path = path

    def find(self, exam: Exam, id_number: str) -> OnlineRegistration | None:
        for entry in json.loads(self.path.read_text(encoding="utf-8")):
            if entry["exam"] == exam and entry["id_number"] == id_number:
                return OnlineRegistration(**entry)
        return None
