"""The one disk guard: is there room on the data directory's filesystem, at which moment.

Two moments ask, with two floors:
- before a session starts (the UI asks `KioskStore.disk_ok` and shows staff "disk nearly
  full" when it is False): the configured `storage.min_free_mb`, so a candidate is never taken
  through the steps only to find at the end that nothing can be saved;
- at commit, for a candidate already photographed and signed: only room for the record and a
  margin. Refusing there would lose a signed record, so the floor is much lower; it exists so
  the last megabytes are left to SQLite's WAL and the journal rather than filled to zero.
Queued records are never dropped to make room.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from kiosk.core.errors import DiskFullError

MB = 2**20
DEFAULT_MIN_FREE_BYTES = 200 * MB
# Room left beside a record at commit: the WAL holds the record's pages until a checkpoint
# copies them into the database (the uploader's checkpoint, or at the latest the backstop of
# `connection.WAL_BACKSTOP_PAGES`, 8 MiB), plus the logs of the day.
COMMIT_MARGIN_BYTES = 16 * MB


class DiskMoment(StrEnum):
    """When the guard is asked; the DiskFullError says which."""

    SESSION_START = "session start"
    COMMIT = "commit"


class DiskGuard:
    """Free space of the filesystem holding `folder`, against the floor of each moment."""

    def __init__(self, folder: Path, min_free_bytes: int = DEFAULT_MIN_FREE_BYTES) -> None:
        self.folder = folder
        self.min_free_bytes = min_free_bytes

    def free_bytes(self) -> int:
        """Free space for an unprivileged writer (root's reserved blocks do not count)."""
        st = os.statvfs(self.folder)
        return int(st.f_bavail * st.f_frsize)

    def needed_bytes(self, moment: DiskMoment, record_bytes: int = 0) -> int:
        """The floor at `moment`. At commit: the record and a margin, never more than the
        session floor asks beside it (a machine configured with `min_free_mb = 0` has no
        margin either)."""
        if moment is DiskMoment.SESSION_START:
            return self.min_free_bytes
        return record_bytes + min(COMMIT_MARGIN_BYTES, self.min_free_bytes)

    def allows(self, moment: DiskMoment, record_bytes: int = 0) -> bool:
        return self.free_bytes() >= self.needed_bytes(moment, record_bytes)

    def check(self, moment: DiskMoment, record_bytes: int = 0) -> None:
        """Raise DiskFullError naming the moment and the free and needed megabytes."""
        free, needed = self.free_bytes(), self.needed_bytes(moment, record_bytes)
        if free < needed:
            raise DiskFullError(
                f"{moment}: {free / MB:.1f} MB free, {needed / MB:.1f} MB needed"
            )
