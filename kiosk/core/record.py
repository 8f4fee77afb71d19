"""The record a candidate leaves behind, assembled from what the steps collected.

It exists in memory only until it is sealed (`kiosk.seal`); `to_payload` is the one plaintext
form, and `repr()` shows nothing personal.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core.documents import IdentityDocument
from kiosk.core.exception_cases import ExceptionInfo

# 1: the first payload. 2: adds optional blocks: `confirmation` (a second visit) and
# `exception` (kiosk.core.exception_cases: the case, its flags, who entered and who approved
# it); a record without them is as in 1.
PAYLOAD_VERSION = 2


def new_record_id(now_ms: int | None = None, rand: bytes | None = None) -> str:
    """A UUIDv7 (time-ordered, RFC 9562) so records sort by creation without a second column."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    r = os.urandom(10) if rand is None else rand
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (int.from_bytes(r[:2], "big") & 0x0FFF) << 64
    value |= 0b10 << 62
    value |= int.from_bytes(r[2:10], "big") & ((1 << 62) - 1)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class Signature:
    """The signature as drawn: a PNG for people and the strokes for later verification.

    Strokes are lists of (x, y, t) with x, y in 0..1 of the pad (y up) and t in seconds from the
    first touch.
    """

    png: bytes = field(repr=False)
    strokes: tuple[tuple[tuple[float, float, float], ...], ...] = field(repr=False)

    @property
    def point_count(self) -> int:
        return sum(len(s) for s in self.strokes)


@dataclass(frozen=True)
class Confirmation:
    """What a second visit (`confirm`, `adult-confirm`) adds: which online registration was
    confirmed (its exam, its first sequence number, the point chosen, where the kiosk found
    it), the rows exactly as the candidate saw them with their SHA-256 over canonical bytes
    (`kiosk.core.confirmation.shown_bytes`), and for the adult exam the pledge copied by hand
    and whether the city reviews the documents (not a mainland resident's card)."""

    exam: str
    first_sequence_number: str
    point_code: str
    source: str
    shown_rows: tuple[tuple[str, str, str], ...] = field(repr=False)
    shown_sha256: str
    city_review: bool = False
    pledge_strokes: tuple[tuple[tuple[float, float, float], ...], ...] = field(
        default=(), repr=False)
    pledge_at: datetime | None = field(default=None, repr=False)

    def to_payload(self) -> dict[str, object]:
        return {
            "exam": self.exam,
            "first_sequence_number": self.first_sequence_number,
            "point_code": self.point_code,
            "source": self.source,
            "shown_rows": [list(r) for r in self.shown_rows],
            "shown_sha256": self.shown_sha256,
            "city_review": self.city_review,
            "pledge_strokes": [list(map(list, s)) for s in self.pledge_strokes],
            "pledge_at": self.pledge_at.isoformat() if self.pledge_at else None,
        }


@dataclass(frozen=True)
class Record:
    """A first visit (`collect`) carries the photo and the login card's password; a second
    visit carries its `confirmation` (the photo only for the adult exam) and spends no number
    of its own: it refers to the first visit's."""

    record_id: str
    workflow: str
    device_id: str
    sequence_number: str
    document: IdentityDocument
    photo_jpeg: bytes | None = field(repr=False)
    signature: Signature | None = field(repr=False)  # None: confirmed by phone (exception)
    initial_password: str | None = field(repr=False)
    started_at: datetime = field(repr=False)
    confirmed_at: datetime = field(repr=False)
    signed_at: datetime = field(repr=False)
    created_at: datetime = field(repr=False)
    confirmation: Confirmation | None = field(default=None, repr=False)
    exception: ExceptionInfo | None = None  # staff handled it (kiosk.core.exception_cases)

    @property
    def spends_number(self) -> bool:
        """Only a first visit uses up a number this machine reserved."""
        return self.confirmation is None

    def to_payload(self) -> dict[str, object]:
        """The plaintext that gets sealed: JSON-ready, binary parts base64."""
        return {
            "version": PAYLOAD_VERSION,
            "record_id": self.record_id,
            "workflow": self.workflow,
            "device_id": self.device_id,
            "sequence_number": self.sequence_number,
            "identity": self.document.to_fields(),
            "photo_jpeg": None if self.photo_jpeg is None
            else base64.b64encode(self.photo_jpeg).decode("ascii"),
            "signature_png": None if self.signature is None
            else base64.b64encode(self.signature.png).decode("ascii"),
            "signature_strokes": [] if self.signature is None
            else [list(map(list, s)) for s in self.signature.strokes],
            "initial_password": self.initial_password,
            "times": {
                "started": self.started_at.isoformat(),
                "confirmed": self.confirmed_at.isoformat(),
                "signed": self.signed_at.isoformat(),
                "created": self.created_at.isoformat(),
            },
        } | ({} if self.confirmation is None
             else {"confirmation": self.confirmation.to_payload()}) | (
            {} if self.exception is None else {"exception": self.exception.to_wire()})

    def payload_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces) so the same record always seals the same text."""
        return json.dumps(
            self.to_payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
