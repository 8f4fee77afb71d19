"""Sealing candidates' data for the wire: the lookup to the province's key with a one-request
reply key, the answers to that reply key (see `central_api_client.candidates` for why).

HPKE (RFC 9180) in the suite records use; every ciphertext's `info` names its kind and the
asking device's id, so a blob moved to another device's request, or read as another kind, does
not open.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central_api_client.candidates import (
    EXAMS,
    Candidate,
    CandidateFormatError,
    Roster,
    parse_candidate,
    parse_roster,
)
from central_api_client.contract import HPKE_SUITE
from central_api_client.idnumbers import id_number_problem

REPLY_KEY_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # 32 raw bytes, base64url without padding
LOOKUP_CONTEXT = b"hunan-exam-kiosk/candidate-lookup/v1\x00"
ANSWER_CONTEXT = b"hunan-exam-kiosk/candidate-answer/v1\x00"
ROSTER_CONTEXT = b"hunan-exam-kiosk/candidate-roster/v1\x00"
_REPLY_KEY = re.compile(REPLY_KEY_PATTERN)


class CandidateSealError(ValueError):
    """A sealed lookup, answer or roster that does not open here (wrong key, another device's,
    tampered) or is not one once opened."""


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
