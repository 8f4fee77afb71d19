"""Synthetic records to seal, store and upload: a fictional person from `tests.synthetic`.

The photo is random bytes framed as a JPEG (start and end markers), not a decodable image: the
records pipeline never looks inside it, and random bytes do not compress, like a real photo.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from kiosk.core.record import Record, Signature, new_record_id
from tests.synthetic import resident

STROKES = (((0.1, 0.5, 0.0), (0.5, 0.6, 0.1), (0.9, 0.4, 0.2)),)


def make_record(
    device_id: str = "SIM-0001",
    sequence_number: str = "43010001",
    *,
    photo_bytes: int = 30_000,
    workflow: str = "collect",
) -> Record:
    created = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    return Record(
        record_id=new_record_id(),
        workflow=workflow,
        device_id=device_id,
        sequence_number=sequence_number,
        document=resident(),
        photo_jpeg=b"\xff\xd8\xff\xe0" + os.urandom(photo_bytes) + b"\xff\xd9",
        signature=Signature(png=b"\x89PNG\r\n\x1a\n" + os.urandom(500), strokes=STROKES),
        initial_password="12345678",
        started_at=created - timedelta(minutes=3),
        confirmed_at=created - timedelta(minutes=1),
        signed_at=created,
        created_at=created,
    )
