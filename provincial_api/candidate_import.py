"""Reading a file of candidates' online data for `provincial-api candidates import`.

CSV (a header row naming the columns) or JSON (a list of objects), with the same flat columns:
`exam`, `id_number`, `county_code`, `point`, optionally `first_sequence_number`, `minor`,
`medical_track` (true/false, 1/0, 是/否; empty is false), and any of the online fields
(`central_api_client.candidates.CANDIDATE_FIELDS`; an empty value is left out). Every row is
checked, the ID number's check digit included; a file with any bad row imports nothing, and
each problem is told by its line (CSV) or item (JSON) number and field, never the value, since
the values are candidates' personal data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from central_api_client.candidates import CANDIDATE_FIELDS, Candidate, CandidateFormatError

REQUIRED = ("exam", "id_number", "county_code", "point")
OPTIONAL = ("first_sequence_number", "minor", "medical_track")
COLUMNS = REQUIRED + OPTIONAL + CANDIDATE_FIELDS
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 50
_TRUE = {"true", "1", "yes", "是", "y"}
_FALSE = {"false", "0", "no", "否", "n", ""}


@dataclass(frozen=True)
class Problem:
    where: str  # "line 3" or "item 2"
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.reason}"


class CandidateImportError(ValueError):
    """The file is refused; `problems` says where (at most MAX_PROBLEMS of them)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if value is None:
        return False
    raise CandidateFormatError(name, "is true or false (1/0, 是/否)")


def _text(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CandidateFormatError(name, "is text")
    return value.strip()


def candidate_of_row(row: dict[str, object]) -> Candidate:
    """One row's candidate (CandidateFormatError naming the field)."""
    unknown = sorted(str(k) for k in row if k not in COLUMNS)
    if unknown:
        raise CandidateFormatError(unknown[0][:40], "is not a column this import knows")
    for name in REQUIRED:
        if not _text(row.get(name), name):
            raise CandidateFormatError(name, "is missing")
    online = {name: _text(row[name], name) for name in CANDIDATE_FIELDS if name in row}
    sequence = _text(row.get("first_sequence_number"), "first_sequence_number") or None
    return Candidate(
        exam=_text(row["exam"], "exam"), id_number=_text(row["id_number"], "id_number").upper(),
        county_code=_text(row["county_code"], "county_code"),
        point=_text(row["point"], "point"),
        fields={k: v for k, v in online.items() if v}, first_sequence_number=sequence,
        minor=_flag(row.get("minor"), "minor"),
        medical_track=_flag(row.get("medical_track"), "medical_track"))


def _csv_rows(text: str) -> Iterable[tuple[str, object]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        fieldnames = reader.fieldnames
    except csv.Error:
        raise CandidateImportError([Problem("line 1", "header", "is not valid CSV")]) from None
    if fieldnames is None:
        raise CandidateImportError([Problem("line 1", "header", "the file is empty")])
    names = [n.strip() for n in fieldnames]
    bad = [n for n in names if n not in COLUMNS]
    if bad or len(set(names)) != len(names):
        name = bad[0][:40] if bad else "header"
        raise CandidateImportError([Problem("line 1", name, "is not a column this import knows"
                                    if bad else "names a column twice")])
    reader.fieldnames = names
    last = reader.line_num  # a row that cannot be read starts on the line after the last
    try:
        for row in reader:
            where = f"line {reader.line_num}"
            last = reader.line_num
            if None in row:
                yield where, CandidateFormatError("row", "has more cells than the header")
                continue
            yield where, dict(row)
    except csv.Error:
        yield f"line {last + 1}", CandidateFormatError("row", "is not valid CSV")


def _json_rows(text: str) -> Iterable[tuple[str, object]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(f"line {exc.lineno}", "file", "is not valid JSON")
        raise CandidateImportError([problem]) from None
    if not isinstance(data, list):
        raise CandidateImportError([Problem("line 1", "file", "is a JSON list of objects")])
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield f"item {index}", CandidateFormatError("item", "is an object")
        else:
            yield f"item {index}", item


def parse_candidates(text: str, *, json_format: bool) -> list[Candidate]:
    """Every candidate of the file, or CandidateImportError listing the problems."""
    problems: list[Problem] = []
    out: list[Candidate] = []
    seen: dict[tuple[str, str], str] = {}
    for where, row in (_json_rows(text) if json_format else _csv_rows(text)):
        try:
            if isinstance(row, CandidateFormatError):
                raise row
            assert isinstance(row, dict)
            candidate = candidate_of_row(row)
        except CandidateFormatError as exc:
            problems.append(Problem(where, exc.field, exc.reason))
        else:
            key = (candidate.exam, candidate.id_number)
            if key in seen:
                problems.append(Problem(where, "id_number", f"repeats {seen[key]}'s candidate"))
            seen[key] = where
            out.append(candidate)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise CandidateImportError(problems)
    return out


def read_candidates_file(path: Path) -> list[Candidate]:
    """The candidates of a .csv or .json file (by its suffix; otherwise by its first byte)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CandidateImportError([Problem("file", "size", f"is over {MAX_FILE_BYTES} bytes")])
        raw = path.read_bytes()
    except OSError as exc:
        problem = Problem("file", "file", f"cannot be read ({exc.strerror})")
        raise CandidateImportError([problem]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CandidateImportError([Problem("file", "encoding", "is not UTF-8")]) from None
    suffix = path.suffix.lower()
    json_format = suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] == "[")
    return parse_candidates(text, json_format=json_format)
