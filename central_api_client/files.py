"""Writing a file so that a power cut leaves the old file or the new one, never half of either.

Keys, the ID-number secret, export bundles, the font cache and the simulator's card slot all
need it; it lives here, in the package every program imports, once.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write(
    path: Path, data: bytes, *, mode: int | None = None, keep_existing: bool = False
) -> bool:
    """Write `data` to a temporary file beside `path`, fsync it, then move it into place.

    `mode`: the file's permissions; None: those of a file the process creates (0666 less its
    umask: 0644 usually, 0600 in the kiosk's programs, which set an owner-only umask), where
    the filesystem allows a chmod at all (a FAT stick mounted for another user refuses one,
    which must not fail an export).
    `keep_existing`: never replace a file that is already there (another process made it first,
    say a secret that must not change under a running kiosk); returns False then.
    The directory is fsynced too, so the rename itself survives a power cut.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        else:  # as an ordinary file would be, where the filesystem allows it
            with contextlib.suppress(OSError):
                os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if keep_existing:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            finally:
                Path(tmp).unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return True


def _umask() -> int:
    """The process's umask. Reading it means setting it: the probe value is the strictest, so a
    file another thread creates meanwhile is at worst owner-only, never more open."""
    current = os.umask(0o077)
    os.umask(current)
    return current


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems cannot open a directory to sync it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
