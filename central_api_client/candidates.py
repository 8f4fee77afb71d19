"""Candidates' online data on the wire: one candidate, the sealed lookup and the sealed roster.

What a candidate entered online is personal, so none of it crosses the wire or rests on disk in
clear, whatever the transport does:

- a lookup (`POST /v1/candidates:lookup`) carries the exam and the ID number sealed to the
  province's X25519 key (HPKE, RFC 9180, the suite records use), together with a fresh X25519
  *reply key* made for this one request; the province seals its answer to that reply key, whose
  private half never leaves the kiosk's memory. A captured request cannot be replayed (the
  device signature's nonce) and its answer opens for nobody but the kiosk that asked. Both
  ciphertexts are bound (HPKE `info`) to the asking device's id, so a blob moved to another
  device's request does not open.
- a roster (`GET /v1/candidates/roster?exam=..&reply_key=..`) asks, signed, for the candidates
  of the device's point; the request holds nothing personal, the answer is sealed to the reply
  key as a lookup's is. The kiosk keeps it sealed to its own machine (`kiosk.roster`).

The answer to a lookup is the same shape whether nobody has this number or the number belongs
to another county's candidate: `{"candidate": null}` inside the seal, so the province's answer
never tells one asking device about candidates elsewhere.

Parsed strictly (exactly the keys, bounded values); errors name the field, never its value.
The sealing is `central_api_client.candidate_sealing`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from central_api_client.contract import is_utc_timestamp
from central_api_client.idnumbers import id_number_problem

EXAMS = ("gaokao", "adult")
# What a candidate entered online, by name: `kiosk.core.forms.ONLINE_FIELDS` is the same tuple
# (a unit test pins them equal: core may not import the contract).
CANDIDATE_FIELDS: tuple[str, ...] = (
    "candidate_category",  # 考生类别
    "subject_track",  # 科类 / 选考科目组合
    "political_status",  # 政治面貌
    "foreign_language",  # 外语语种
    "school",  # 毕业学校
    "household",  # 户籍所在地
    "parent_work",  # 父母务工单位 (migrant children)
    "exam_level",  # 报考层次 (adult exam): 高起专, 高起本, 专升本
    "adult_category",  # 报考科类 (adult exam)
    "study_mode",  # 学习形式: 脱产, 业余, 函授
    "school_choice_1",  # 第一志愿 报考学校
    "major_choice_1",  # 第一志愿 报考专业
    "school_choice_2",
    "major_choice_2",
    "confirmation_point",  # 报名确认点 the candidate chose (adult exam), by name
)
WIRE_KEYS = ("exam", "id_number", "county_code", "point", "fields", "first_sequence_number",
             "minor", "medical_track")
MAX_FIELD_CHARS = 100
MAX_POINT_CHARS = 64
MAX_ROSTER_CANDIDATES = 20_000
MAX_LOOKUP_BODY_BYTES = 4 * 1024
COUNTY_PATTERN = r"^[0-9]{4}$"
SEQUENCE_PATTERN = r"^[0-9]{8}$"

_COUNTY = re.compile(COUNTY_PATTERN)
_SEQUENCE = re.compile(SEQUENCE_PATTERN)


class CandidateFormatError(ValueError):
    """Candidate data that is not what the contract says; the text names the field, never its
    value (the server answers 422 with it, the import prints it with the line)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.field = name
        self.reason = reason


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise CandidateFormatError(name, f"is text of at most {limit} characters")
    if any(not ch.isprintable() for ch in value):
        raise CandidateFormatError(name, "has control characters")
    return value


@dataclass(frozen=True)
class Candidate:
    """One candidate's online registration for one exam, as the province holds it.

    `point` is the registration point (gaokao) or confirmation point (adult exam) the candidate
    belongs to, by the name the province's enrolment tokens give points; `county_code` its
    county. `repr()` shows nothing personal."""

    exam: str
    id_number: str = field(repr=False)
    county_code: str
    point: str
    fields: Mapping[str, str] = field(repr=False)
    first_sequence_number: str | None = None
    minor: bool = False  # under 17 on the exam date
    medical_track: bool = False  # adult exam 医卫类

    def __post_init__(self) -> None:
        if self.exam not in EXAMS:
            raise CandidateFormatError("exam", "is one of " + ", ".join(EXAMS))
        problem = id_number_problem(self.id_number)
        if problem is not None:
            raise CandidateFormatError("id_number", problem)
        if not isinstance(self.county_code, str) or not _COUNTY.fullmatch(self.county_code):
            raise CandidateFormatError("county_code", "is 4 digits")
        if not _text(self.point, "point", MAX_POINT_CHARS).strip():
            raise CandidateFormatError("point", "is empty")
        if not isinstance(self.fields, Mapping):
            raise CandidateFormatError("fields", "is an object of field -> text")
        for name, value in self.fields.items():
            if name not in CANDIDATE_FIELDS:
                raise CandidateFormatError("fields", f"unknown field {str(name)[:40]!r}")
            _text(value, name, MAX_FIELD_CHARS)
        number = self.first_sequence_number
        if number is not None and (not isinstance(number, str)
                                   or not _SEQUENCE.fullmatch(number)):
            raise CandidateFormatError("first_sequence_number", "is 8 digits")
        for flag in ("minor", "medical_track"):
            if not isinstance(getattr(self, flag), bool):
                raise CandidateFormatError(flag, "is true or false")

    def to_wire(self) -> dict[str, Any]:
        return {"exam": self.exam, "id_number": self.id_number, "county_code": self.county_code,
                "point": self.point, "fields": dict(sorted(self.fields.items())),
                "first_sequence_number": self.first_sequence_number, "minor": self.minor,
                "medical_track": self.medical_track}


def parse_candidate(data: object) -> Candidate:
    """A candidate, strictly: exactly `WIRE_KEYS`, each within its bounds."""
    if not isinstance(data, dict) or set(data) != set(WIRE_KEYS):
        raise CandidateFormatError("candidate", "has exactly the keys " + ", ".join(WIRE_KEYS))
    if not isinstance(data["fields"], dict):
        raise CandidateFormatError("fields", "is an object of field -> text")
    return Candidate(exam=data["exam"], id_number=data["id_number"],
                     county_code=data["county_code"], point=data["point"],
                     fields=dict(data["fields"]),
                     first_sequence_number=data["first_sequence_number"],
                     minor=data["minor"], medical_track=data["medical_track"])


@dataclass(frozen=True)
class Roster:
    """The candidates of one point for one exam, as the province sent them at `generated_at`."""

    exam: str
    county_code: str
    point: str
    generated_at: str
    candidates: tuple[Candidate, ...] = field(repr=False)

    def __post_init__(self) -> None:
        if self.exam not in EXAMS:
            raise CandidateFormatError("exam", "is one of " + ", ".join(EXAMS))
        if not is_utc_timestamp(self.generated_at):
            raise CandidateFormatError("generated_at", "is a UTC timestamp with milliseconds")
        if len(self.candidates) > MAX_ROSTER_CANDIDATES:
            raise CandidateFormatError("candidates", f"at most {MAX_ROSTER_CANDIDATES}")

    def to_bytes(self) -> bytes:
        """Canonical JSON: what is sealed on the wire and at rest."""
        body = {"exam": self.exam, "county_code": self.county_code, "point": self.point,
                "generated_at": self.generated_at,
                "candidates": [c.to_wire() for c in self.candidates]}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_roster(data: object) -> Roster:
    keys = {"exam", "county_code", "point", "generated_at", "candidates"}
    if not isinstance(data, dict) or set(data) != keys:
        raise CandidateFormatError("roster", "has exactly the keys " + ", ".join(sorted(keys)))
    items = data["candidates"]
    if not isinstance(items, list) or len(items) > MAX_ROSTER_CANDIDATES:
        raise CandidateFormatError("candidates", f"is a list of at most {MAX_ROSTER_CANDIDATES}")
    county, point = data["county_code"], data["point"]
    if not isinstance(county, str) or not _COUNTY.fullmatch(county):
        raise CandidateFormatError("county_code", "is 4 digits")
    _text(point, "point", MAX_POINT_CHARS)
    return Roster(exam=data["exam"], county_code=county, point=point,
                  generated_at=data["generated_at"],
                  candidates=tuple(parse_candidate(item) for item in items))
