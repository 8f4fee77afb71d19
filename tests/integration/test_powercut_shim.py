"""The power-cut harness itself: the shim journals what a real process does, and the replay
keeps exactly what fsyncs covered, so `test_power_loss.py` passing means something."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.integration.powercut import DiskAfterCut, Entry, build_shim, parse_journal, preload_env

# A child that writes the way SQLite does (pwrite, ftruncate, fsync, a directory fsync).
CHILD = """
import os, sys
db = sys.argv[1]
fd = os.open(db, os.O_RDWR | os.O_CREAT, 0o600)      # created: its name needs a dir fsync
os.pwrite(fd, b"synced", 0)
os.fsync(fd)
folder = os.open(os.path.dirname(db), os.O_RDONLY)
os.fsync(folder)                                       # now the name is durable too
os.pwrite(fd, b"LOST", 0)                              # never synced
wal = os.open(db + "-wal", os.O_RDWR | os.O_CREAT, 0o600)
os.pwrite(wal, b"frames", 0)
os.fdatasync(wal)                                      # contents synced, name never
os.ftruncate(fd, 3)
os.write(1, b"done")
"""


def _replay(journal: Path, before: dict[str, bytes] | None = None) -> dict[str, bytes]:
    disk = DiskAfterCut.from_files(before or {})
    for entry in parse_journal(journal.read_bytes()):
        disk.apply(entry)
    return disk.durable_files()


def test_the_disk_after_a_cut_is_what_was_synced(tmp_path: Path) -> None:
    shim = build_shim(tmp_path / "build")
    folder = (tmp_path / "data").resolve()
    folder.mkdir()
    db, journal = folder / "k.sqlite", tmp_path / "journal.bin"
    run = subprocess.run([sys.executable, "-c", CHILD, str(db)], capture_output=True,
                         env=preload_env(shim, db, journal), timeout=30)
    assert run.stdout == b"done", run.stderr
    assert db.read_bytes() == b"LOS"  # the process saw its own writes, page cache and all
    after = _replay(journal)
    assert after == {str(db): b"synced"}  # the truncate, the unsynced write, the new -wal: gone


def test_a_removed_name_comes_back_without_a_directory_fsync() -> None:
    disk = DiskAfterCut.from_files({"/d/k.sqlite-wal": b"old"})
    disk.apply(Entry("U", "/d/k.sqlite-wal", 0, b""))
    assert disk.durable_files() == {"/d/k.sqlite-wal": b"old"}
    disk.apply(Entry("D", "/d", 0, b""))
    assert disk.durable_files() == {}


def _encode(entry: Entry) -> bytes:
    path = entry.path.encode()
    return struct.pack("=cIQQ", entry.op.encode(), len(path), entry.a, len(entry.data)) \
        + path + entry.data


entries = st.builds(Entry, op=st.sampled_from("WTSDCUR"), path=st.text(min_size=1, max_size=20),
                    a=st.integers(0, 2**40), data=st.binary(max_size=64))


@given(st.lists(entries, max_size=8), st.data())
def test_a_journal_cut_anywhere_reads_as_its_whole_entries(journal: list[Entry],
                                                           data: st.DataObject) -> None:
    raw = b"".join(_encode(e) for e in journal)
    cut = data.draw(st.integers(0, len(raw)))
    read = parse_journal(raw[:cut])
    assert read == journal[:len(read)]
    assert len(b"".join(_encode(e) for e in read)) <= cut
    if cut == len(raw):
        assert read == journal
