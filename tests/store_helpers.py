"""Reading the kiosk store the way only tests need to (the product never reads its audit back)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central_api_client.receipts import Receipt
from central_api_client.records import SealedRecord
from kiosk.store import KioskStore

# The province's receipt key in tests that play the province themselves.
RECEIPT_KEY = Ed25519PrivateKey.generate()


def receipt_for(sealed: SealedRecord, key: Ed25519PrivateKey = RECEIPT_KEY,
                received_at: str = "2026-11-24T02:00:01.000Z", **changes: str) -> Receipt:
    """The province's signed receipt for `sealed` (`changes` forge a field before signing)."""
    fields = {"record_id": sealed.record_id, "device_id": sealed.device_id,
              "sha256": sealed.sha256, "received_at": received_at, "server": "test", **changes}
    return Receipt(**fields).signed_by(key)


def recent_audit(store: KioskStore, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: {id, at, event, facts}."""
    rows = store.connection.read(
        "SELECT id, at, event, facts FROM audit ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [{**row, "facts": json.loads(row["facts"])} for row in rows]
