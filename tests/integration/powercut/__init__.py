"""A power cut, simulated: what is on the disk after it is what the process had fsynced.

`journal_writes.c`, preloaded into the kiosk's processes, journals every write, truncate,
fsync, create, unlink and rename on one database's files and on their directory. After SIGKILL
(the moment the power went), `DiskAfterCut` replays that journal onto the files as they were
durably before, keeping of each file only what an fsync of it covered and, of each name created
or removed, only what an fsync of the directory covered (POSIX promises no more; ext4 and
others may keep more, never less). The page cache, which a plain SIGKILL keeps, is gone.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = Path(__file__).with_name("journal_writes.c")
_HEAD = struct.Struct("=cIQQ")


def build_shim(out_dir: Path) -> Path:
    """Compile the shim (gcc, a Debian package scripts/setup.sh installs) into `out_dir`."""
    out = out_dir / "journal_writes.so"
    if not out.exists() or out.stat().st_mtime < SOURCE.stat().st_mtime:
        gcc = shutil.which("gcc")
        if gcc is None:
            raise RuntimeError("gcc is not installed: run scripts/setup.sh")
        out_dir.mkdir(parents=True, exist_ok=True)
        built = subprocess.run([gcc, "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o",
                                str(out), str(SOURCE), "-ldl", "-lpthread"],
                               capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError(f"the power-cut shim does not build:\n{built.stderr}")
    return out


def preload_env(shim: Path, database: Path, journal: Path) -> dict[str, str]:
    """What a process needs in its environment to have `database`'s files journalled."""
    return {"LD_PRELOAD": str(shim), "POWERCUT_FILES": str(database),
            "POWERCUT_JOURNAL": str(journal)}


@dataclass(frozen=True)
class Entry:
    op: str  # W T S D C U R, see journal_writes.c
    path: str
    a: int  # W: offset, T: length
    data: bytes  # W: the bytes written, R: the new name


def parse_journal(raw: bytes) -> list[Entry]:
    """The whole entries of a journal; a last entry cut short by the kill is dropped."""
    entries, at = [], 0
    while at + _HEAD.size <= len(raw):
        op, path_len, a, data_len = _HEAD.unpack_from(raw, at)
        end = at + _HEAD.size + path_len + data_len
        if end > len(raw):
            break
        path = raw[at + _HEAD.size:at + _HEAD.size + path_len].decode()
        entries.append(Entry(op.decode(), path, a, raw[end - data_len:end]))
        at = end
    return entries


@dataclass
class _Inode:
    now: bytearray
    durable: bytes


@dataclass
class DiskAfterCut:
    """The durable state of the journalled files, advanced entry by entry.

    `durable_files` is what a power cut at this point leaves: name -> content."""

    names_now: dict[str, _Inode] = field(default_factory=dict)
    names_durable: dict[str, _Inode] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> DiskAfterCut:
        """Start from files that are durable (written and synced before the journal began)."""
        disk = cls()
        for name, content in files.items():
            inode = _Inode(bytearray(content), content)
            disk.names_now[name] = disk.names_durable[name] = inode
        return disk

    def apply(self, entry: Entry) -> None:
        self.counts[entry.op] = self.counts.get(entry.op, 0) + 1
        if entry.op == "C":
            self.names_now[entry.path] = _Inode(bytearray(), b"")
        elif entry.op == "U":
            self.names_now.pop(entry.path, None)
        elif entry.op == "R":
            inode = self.names_now.pop(entry.path)
            self.names_now[entry.data.decode()] = inode
        elif entry.op == "D":
            prefix = entry.path.rstrip("/") + "/"
            for name in [n for n in self.names_durable if n.startswith(prefix)]:
                del self.names_durable[name]
            self.names_durable.update(
                {n: i for n, i in self.names_now.items() if n.startswith(prefix)})
        else:
            inode = self.names_now.get(entry.path)
            if inode is None:
                raise AssertionError(f"{entry.op} on {entry.path}, which has no name now")
            if entry.op == "W":
                end = entry.a + len(entry.data)
                if len(inode.now) < end:
                    inode.now.extend(bytes(end - len(inode.now)))
                inode.now[entry.a:end] = entry.data
            elif entry.op == "T":
                del inode.now[entry.a:]
                inode.now.extend(bytes(entry.a - len(inode.now)))
            elif entry.op == "S":
                inode.durable = bytes(inode.now)
            else:
                raise AssertionError(f"unknown journal entry {entry.op!r}")

    def durable_files(self) -> dict[str, bytes]:
        return {name: inode.durable for name, inode in self.names_durable.items()}


def read_files(database: Path) -> dict[str, bytes]:
    """The database's files (it, -wal, -shm) as they are now, by absolute path."""
    return {str(p): p.read_bytes() for p in database.parent.glob(database.name + "*")}


def write_files(database: Path, files: dict[str, bytes], into: Path | None = None) -> None:
    """Make the disk hold exactly `files` (paths of `database`'s folder), in `into` instead
    when given (a copy to inspect)."""
    folder = into or database.parent
    for old in folder.glob(database.name + "*"):
        old.unlink()
    for name, content in files.items():
        (folder / os.path.basename(name)).write_bytes(content)
