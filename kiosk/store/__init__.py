"""The machine's one SQLite database (see `kiosk.store.database`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.store.database import OUTBOX_STATES, KioskStore, OutboxEntry, StoreError

if TYPE_CHECKING:
    from kiosk.config import Config

__all__ = ["OUTBOX_STATES", "KioskStore", "OutboxEntry", "StoreError", "open_store"]


def open_store(config: Config) -> KioskStore:
    """The store of this machine with its configured disk guard threshold."""
    return KioskStore(config.database_path, min_free_bytes=config.storage.min_free_mb * 2**20)
