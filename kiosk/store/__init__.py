"""The machine's one SQLite database (see `kiosk.store.database`)."""

from kiosk.store.database import OUTBOX_STATES, KioskStore, OutboxEntry, StoreError

__all__ = ["OUTBOX_STATES", "KioskStore", "OutboxEntry", "StoreError"]
