"""How large one record may grow, decided on the kiosk before it is sealed.

A record the province refuses for its size is lost to the candidate who was told it was saved,
and (before the server judged each record of a batch on its own) held up every record queued
behind it. So the kiosk bounds what it collects: the signature pad stops taking strokes and
points at these caps (`accepts_stroke`, `accepts_point`), and the sign step checks the whole
record (`check_record`) before it is handed over to be sealed.

`MAX_PAYLOAD_BYTES` must stay below the province's per-record limit (the contract's
`MAX_BLOB_BYTES`, less HPKE's overhead) so no record this kiosk seals can be refused for its
size; the contract cannot be imported here (core is the standard library only), so a unit test
holds the two together. The caps sit well above any honest record: a standard photo is
20-40 KB, a signature a few hundred points.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.core.errors import KioskError
from kiosk.core.record import Record

MAX_STROKES = 64
MAX_POINTS_PER_STROKE = 2_000
MAX_TOTAL_POINTS = 20_000
MAX_PHOTO_BYTES = 64 * 1024
# The signature's picture is drawn here (800x300 greyscale): even incompressible, it fits.
MAX_SIGNATURE_PNG_BYTES = 256 * 1024
# The sealed plaintext (canonical JSON, binaries base64): the caps above add up to ~1 MB.
MAX_PAYLOAD_BYTES = 1024 * 1024

RECORD_TOO_LARGE = "record_too_large"

Strokes = Sequence[Sequence[object]]


class RecordTooLarge(KioskError):
    """A record over one of the caps; `detail` names the cap and the count, nothing else."""

    code = RECORD_TOO_LARGE


def accepts_stroke(strokes: Strokes) -> bool:
    """May the pad start another stroke? (It needs room for at least two points.)"""
    return len(strokes) < MAX_STROKES and _points(strokes) + 2 <= MAX_TOTAL_POINTS


def accepts_point(strokes: Strokes) -> bool:
    """May the pad add a point to the last stroke? Past a cap the ink simply stops, so the
    candidate sees it and the record can never be refused for its strokes later."""
    if not strokes:
        return False
    return len(strokes[-1]) < MAX_POINTS_PER_STROKE and _points(strokes) < MAX_TOTAL_POINTS


def strokes_problem(strokes: Strokes) -> str | None:
    """Which cap the strokes break, in words for a technician (counts only), or None."""
    if len(strokes) > MAX_STROKES:
        return f"{len(strokes)} strokes, at most {MAX_STROKES}"
    longest = max((len(s) for s in strokes), default=0)
    if longest > MAX_POINTS_PER_STROKE:
        return f"a stroke of {longest} points, at most {MAX_POINTS_PER_STROKE}"
    total = _points(strokes)
    if total > MAX_TOTAL_POINTS:
        return f"{total} points in all, at most {MAX_TOTAL_POINTS}"
    return None


def check_record(record: Record) -> None:
    """Raise RecordTooLarge unless every part of `record`, and its payload, is within its cap."""
    signature = record.signature  # None: confirmed by phone, nothing drawn
    problem = None if signature is None else strokes_problem(signature.strokes)
    if problem is None and record.confirmation is not None:
        problem = strokes_problem(record.confirmation.pledge_strokes)
    if problem is None and record.photo_jpeg and len(record.photo_jpeg) > MAX_PHOTO_BYTES:
        problem = f"photo of {len(record.photo_jpeg)} bytes, at most {MAX_PHOTO_BYTES}"
    if problem is None and signature is not None \
            and len(signature.png) > MAX_SIGNATURE_PNG_BYTES:
        problem = (f"signature picture of {len(signature.png)} bytes,"
                   f" at most {MAX_SIGNATURE_PNG_BYTES}")
    if problem is None:
        size = len(record.payload_bytes())
        if size > MAX_PAYLOAD_BYTES:
            problem = f"payload of {size} bytes, at most {MAX_PAYLOAD_BYTES}"
    if problem is not None:
        raise RecordTooLarge(problem)


def _points(strokes: Strokes) -> int:
    return sum(len(s) for s in strokes)
