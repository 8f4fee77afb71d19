"""Voided sequence numbers: the one wire type of a kiosk's report that numbers were never issued.

A number reserved by a session that never finished is voided on the kiosk and never handed out
again; the province is told, so its count of numbers issued matches the candidates who hold one
(and a number nobody holds is not mistaken for a lost record). Sent signed, like every request,
after a drain; the server keeps each (device, number) once, so a report repeated after a lost
answer changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from central_api_client.contract import is_utc_timestamp

MAX_VOIDS_PER_REPORT = 1000
MAX_VOIDS_BODY_BYTES = 128 * 1024
SEQUENCE_NUMBER_PATTERN = r"^[0-9]{8}$"
_NUMBER = re.compile(SEQUENCE_NUMBER_PATTERN)


class VoidsFormatError(ValueError):
    """A report of voided numbers that is not one (the server answers 422 with this text)."""


@dataclass(frozen=True)
class VoidedNumber:
    number: str  # 4-digit county code + 4-digit serial (`kiosk.core.sequence`)
    voided_at: str

    def __post_init__(self) -> None:
        if not isinstance(self.number, str) or not _NUMBER.fullmatch(self.number):
            raise VoidsFormatError("a voided number is 8 digits")
        if not is_utc_timestamp(self.voided_at):
            raise VoidsFormatError("voided_at is a UTC timestamp with milliseconds")

    def to_wire(self) -> dict[str, str]:
        return {"number": self.number, "voided_at": self.voided_at}


def voids_body(voids: list[VoidedNumber]) -> dict[str, Any]:
    """The request body of `POST /v1/numbers:void`."""
    if not 1 <= len(voids) <= MAX_VOIDS_PER_REPORT:
        raise VoidsFormatError(f"a report holds 1 to {MAX_VOIDS_PER_REPORT} numbers")
    return {"voided": [v.to_wire() for v in voids]}


def parse_voids_body(data: object) -> list[VoidedNumber]:
    """The numbers of a report, strictly: the body's one key, each item's two, nothing else."""
    if not isinstance(data, dict) or set(data) != {"voided"} or not isinstance(
            data["voided"], list):
        raise VoidsFormatError('a report is {"voided": [{"number", "voided_at"}, ...]}')
    items = data["voided"]
    if not 1 <= len(items) <= MAX_VOIDS_PER_REPORT:
        raise VoidsFormatError(f"a report holds 1 to {MAX_VOIDS_PER_REPORT} numbers")
    voids = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"number", "voided_at"}:
            raise VoidsFormatError("each voided number is {\"number\", \"voided_at\"}")
        voids.append(VoidedNumber(item["number"], item["voided_at"]))
    return voids
