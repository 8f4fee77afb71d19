"""Helpers shared by the GA 467 tests. Documents are compared by the names of the fields that
differ, never by value, so a failing test cannot print a (synthetic) name or ID number."""

from __future__ import annotations

import json
from dataclasses import fields

from hardware.idcard.sim import card_file
from kiosk.core.documents import IdentityDocument

SHIPPED = ("resident-valid", "resident-long-term", "resident-expired", "resident-bad-checksum",
           "permit-hmt", "foreign-2017", "foreign-2023")


def differing(a: IdentityDocument, b: IdentityDocument) -> list[str]:
    return [f.name for f in fields(a) if f.compare and getattr(a, f.name) != getattr(b, f.name)]


def shipped_document(stem: str) -> IdentityDocument:
    data = json.loads(card_file(stem).read_text(encoding="utf-8"))
    photo = data.pop("chip_photo_hex", None)
    data.pop("fault", None)
    return IdentityDocument.from_fields(data, chip_photo=bytes.fromhex(photo) if photo else None)
