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
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central_api_client.contract import HPKE_SUITE, is_utc_timestamp
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
REPLY_KEY_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # 32 raw bytes, base64url without padding

LOOKUP_CONTEXT = b"hunan-exam-kiosk/candidate-lookup/v1\x00"
ANSWER_CONTEXT = b"hunan-exam-kiosk/candidate-answer/v1\x00"
ROSTER_CONTEXT = b"hunan-exam-kiosk/candidate-roster/v1\x00"

_COUNTY = re.compile(COUNTY_PATTERN)
_SEQUENCE = re.compile(SEQUENCE_PATTERN)
_REPLY_KEY = re.compile(REPLY_KEY_PATTERN)


class CandidateFormatError(ValueError):
    """Candidate data that is not what the contract says; the text names the field, never its
    value (the server answers 422 with it, the import prints it with the line)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.field = name
        self.reason = reason


class CandidateSealError(ValueError):
    """A sealed lookup, answer or roster that does not open here (wrong key, another device's,
    tampered) or is not one once opened."""


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


# -- sealing ---------------------------------------------------------------------------------

def _info(context: bytes, device_id: str) -> bytes:
    return context + device_id.encode("utf-8")


def reply_key_text(key: X25519PublicKey) -> str:
    """A reply key as the wire carries it: base64url of its 32 raw bytes, no padding."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_reply_key(text: object) -> X25519PublicKey:
    if not isinstance(text, str) or not _REPLY_KEY.fullmatch(text):
        raise CandidateFormatError("reply_key", "is 32 bytes in base64url without padding")
    return X25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(text + "="))


def _sealed_body(blob: bytes) -> dict[str, str]:
    return {"sealed": base64.b64encode(blob).decode("ascii")}


def _blob(body: object) -> bytes:
    if not isinstance(body, dict) or set(body) != {"sealed"} or not isinstance(
            body["sealed"], str):
        raise CandidateFormatError("body", 'is {"sealed": BASE64}')
    try:
        return base64.b64decode(body["sealed"], validate=True)
    except (binascii.Error, ValueError):
        raise CandidateFormatError("sealed", "is not base64") from None


def _open(blob: bytes, key: X25519PrivateKey, info: bytes) -> Any:
    try:
        plain = HPKE_SUITE.decrypt(blob, key, info=info)
    except (InvalidTag, ValueError):
        raise CandidateSealError("does not open with this key for this device (wrong key,"
                                 " tampered, or sealed for another device)") from None
    try:
        return json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CandidateSealError("opened, but is not JSON") from None


@dataclass(frozen=True)
class LookupQuery:
    """What the province reads from a sealed lookup."""

    exam: str
    id_number: str = field(repr=False)
    reply_key: X25519PublicKey = field(repr=False)


def seal_lookup(province_key: X25519PublicKey, device_id: str, exam: str,
                id_number: str) -> tuple[dict[str, str], X25519PrivateKey]:
    """The body of `POST /v1/candidates:lookup` and the reply key's private half (keep it in
    memory only, to open the answer)."""
    if exam not in EXAMS:
        raise CandidateFormatError("exam", "is one of " + ", ".join(EXAMS))
    reply = X25519PrivateKey.generate()
    inner = {"exam": exam, "id_number": id_number,
             "reply_key": reply_key_text(reply.public_key())}
    plain = json.dumps(inner, separators=(",", ":")).encode("ascii")
    return _sealed_body(HPKE_SUITE.encrypt(plain, province_key,
                                           info=_info(LOOKUP_CONTEXT, device_id))), reply


def open_lookup(body: object, province_key: X25519PrivateKey, device_id: str) -> LookupQuery:
    """The query of a lookup body, strictly (CandidateFormatError / CandidateSealError)."""
    inner = _open(_blob(body), province_key, _info(LOOKUP_CONTEXT, device_id))
    if not isinstance(inner, dict) or set(inner) != {"exam", "id_number", "reply_key"}:
        raise CandidateFormatError("lookup", "has exactly exam, id_number and reply_key")
    exam, number = inner["exam"], inner["id_number"]
    if exam not in EXAMS:
        raise CandidateFormatError("exam", "is one of " + ", ".join(EXAMS))
    if not isinstance(number, str) or id_number_problem(number) is not None:
        raise CandidateFormatError("id_number", "is not a valid ID number")
    return LookupQuery(exam, number, parse_reply_key(inner["reply_key"]))


def seal_answer(candidate: Candidate | None, reply_key: X25519PublicKey,
                device_id: str) -> dict[str, str]:
    """The lookup's answer body: the candidate or null, sealed to the request's reply key."""
    inner = {"candidate": None if candidate is None else candidate.to_wire()}
    plain = json.dumps(inner, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _sealed_body(HPKE_SUITE.encrypt(plain, reply_key,
                                           info=_info(ANSWER_CONTEXT, device_id)))


def open_answer(body: object, reply_key: X25519PrivateKey, device_id: str) -> Candidate | None:
    inner = _open(_blob(body), reply_key, _info(ANSWER_CONTEXT, device_id))
    if not isinstance(inner, dict) or set(inner) != {"candidate"}:
        raise CandidateFormatError("answer", 'is {"candidate": CANDIDATE or null}')
    return None if inner["candidate"] is None else parse_candidate(inner["candidate"])


def seal_roster(roster: Roster, reply_key: X25519PublicKey, device_id: str) -> dict[str, str]:
    """The roster's answer body, sealed to the request's reply key."""
    return _sealed_body(HPKE_SUITE.encrypt(roster.to_bytes(), reply_key,
                                           info=_info(ROSTER_CONTEXT, device_id)))


def open_roster(body: object, reply_key: X25519PrivateKey, device_id: str) -> Roster:
    return parse_roster(_open(_blob(body), reply_key, _info(ROSTER_CONTEXT, device_id)))
