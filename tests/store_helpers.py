"""Reading the kiosk store the way only tests need to (the product never reads its audit back)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.store import KioskStore


def recent_audit(store: KioskStore, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: {id, at, event, facts}."""
    rows = store.connection.read(
        "SELECT id, at, event, facts FROM audit ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [{**row, "facts": json.loads(row["facts"])} for row in rows]
