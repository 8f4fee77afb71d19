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

# 1: the first payload. 2: adds an optional `exception` block (kiosk.core.exception_cases:
# the case, its flags, who entered and who approved it); a record without one is as in 1.
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
class Record:
    record_id: str
    workflow: str
    device_id: str
    sequence_number: str
    document: IdentityDocument
    photo_jpeg: bytes = field(repr=False)
    signature: Signature = field(repr=False)
    initial_password: str = field(repr=False)
    started_at: datetime = field(repr=False)
    confirmed_at: datetime = field(repr=False)
    signed_at: datetime = field(repr=False)
    created_at: datetime = field(repr=False)
    exception: ExceptionInfo | None = None  # staff handled it (kiosk.core.exception_cases)

    def to_payload(self) -> dict[str, object]:
        """The plaintext that gets sealed: JSON-ready, binary parts base64."""
        payload: dict[str, object] = {
            "version": PAYLOAD_VERSION,
            "record_id": self.record_id,
            "workflow": self.workflow,
            "device_id": self.device_id,
            "sequence_number": self.sequence_number,
            "identity": self.document.to_fields(),
            "photo_jpeg": base64.b64encode(self.photo_jpeg).decode("ascii"),
            "signature_png": base64.b64encode(self.signature.png).decode("ascii"),
            "signature_strokes": [list(map(list, s)) for s in self.signature.strokes],
            "initial_password": self.initial_password,
            "times": {
                "started": self.started_at.isoformat(),
                "confirmed": self.confirmed_at.isoformat(),
                "signed": self.signed_at.isoformat(),
                "created": self.created_at.isoformat(),
            },
        }
        if self.exception is not None:
            payload["exception"] = self.exception.to_wire()
        return payload

    def payload_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces) so the same record always seals the same text."""
        return json.dumps(
            self.to_payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
