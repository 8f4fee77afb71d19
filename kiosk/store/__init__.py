"""The machine's one SQLite database, one module per job (see `kiosk.store.kiosk_store`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.store.connection import StoreError
from kiosk.store.kiosk_store import KioskStore
from kiosk.store.outbox import PENDING_STATES, OutboxEntry
from kiosk.store.schema import OUTBOX_STATES

if TYPE_CHECKING:
    from kiosk.config import Config

__all__ = [
    "OUTBOX_STATES", "PENDING_STATES", "KioskStore", "OutboxEntry", "StoreError", "open_store",
    "open_kiosk_store",
]


def open_store(config: Config) -> KioskStore:
    """The store of this machine with its configured disk guard threshold."""
    return KioskStore(config.database_path, min_free_bytes=config.storage.min_free_mb * 2**20)


def open_kiosk_store(config: Config) -> tuple[KioskStore, int]:
    """The store as the kiosk opens it at start, and how many numbers it voided: no session
    runs yet, so every number still only reserved is an orphan of one that never finished (a
    crash, a power cut), voided for the province to hear of with the next upload. Only the
    kiosk does this: the uploader and kioskctl open the store while a session may be running."""
    store = open_store(config)
    try:
        return store, store.numbers.void_abandoned()
    except BaseException:
        store.close()
        raise
