"""The reference server's SQLite files hold every sealed record and who enrolled which key:
owner-only (0600) whatever the umask, the -wal and -shm files too, and the nonces' file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from central_api_client.contract import utc_now
from central_api_client.records import SealedRecord
from kiosk.seal import Sealer
from provincial_api.sqlite_registry import SqliteRegistry
from provincial_api.sqlite_store import SqliteStore
from tests.synthetic_records import make_record


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most careless umask there is: everything readable and writable by everyone."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def _modes(folder: Path) -> dict[str, str]:
    return {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in sorted(folder.iterdir())}


def _use(db: Path, sealed: SealedRecord, key: bytes) -> None:
    store, registry = SqliteStore(db), SqliteRegistry(db)
    registry.add("SIM-0001", key, utc_now(), "operator")
    assert registry.remember_nonce("SIM-0001", "n-1", 1, 0)
    store.put_many([sealed], key, utc_now())
    store.get(sealed.record_id, "SIM-0001")


def test_database_files_are_owner_only_whatever_the_umask(tmp_path: Path,
                                                          open_umask: None) -> None:
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    folder = tmp_path / "server"
    db = folder / "records.sqlite"
    registry_keeps_open = SqliteRegistry(db)  # holds the nonces' file open: its -wal stays
    _use(db, sealer.seal(make_record(photo_bytes=300)), sealer.device_public_key_bytes())
    modes = _modes(folder)
    assert {"records.sqlite", "records.sqlite-wal", "records.sqlite-shm",
            "records.sqlite.nonces"} <= set(modes)
    assert set(modes.values()) == {"0o600"}, modes
    registry_keeps_open.close()


def test_an_existing_database_readable_by_others_is_made_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "records.sqlite"
    SqliteStore(db)
    for name in ("records.sqlite", "records.sqlite-wal", "records.sqlite-shm"):
        path = tmp_path / name
        path.touch()
        path.chmod(0o644)
    SqliteRegistry(db).close()
    assert set(_modes(tmp_path).values()) == {"0o600"}, _modes(tmp_path)
