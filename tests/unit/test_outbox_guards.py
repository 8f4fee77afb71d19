"""Keyed ID-number hashes, retention purge, the disk guard and the batch marks of the outbox."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from kiosk.core.errors import DiskFullError
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from kiosk.visits import DEVICE_SECRET_FILE, IdHasher
from tests.synthetic_records import make_record


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")


def _commit(store: KioskStore, sealer: Sealer, id_hash: str | None = None) -> str:
    number = store.reserve_sequence_number("4301", 1, 9999, "s")
    sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=300))
    store.commit_record(sealed, number, id_hash=id_hash)
    return sealed.record_id


def test_id_hash_is_keyed_per_machine_and_notices_a_second_visit(tmp_path, sealer) -> None:
    hasher = IdHasher.from_keys_dir(tmp_path / "keys")
    assert IdHasher.from_keys_dir(tmp_path / "keys").digest("43010219900101001x") == \
        hasher.digest("43010219900101001X")  # the same secret on reload; X normalised
    other = IdHasher.from_keys_dir(tmp_path / "other-keys")
    id_number = make_record().document.id_number
    assert hasher.digest(id_number) != other.digest(id_number)
    assert id_number not in hasher.digest(id_number)
    assert oct((tmp_path / "keys" / DEVICE_SECRET_FILE).stat().st_mode & 0o777) == "0o600"
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=0) as store:
        digest = hasher.digest(id_number)
        assert store.visits(digest) == 0
        _commit(store, sealer, digest)
        _commit(store, sealer, digest)
        assert store.visits(digest) == 2


def test_purge_drops_blobs_of_old_acknowledged_records_only(tmp_path, sealer) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=0) as store:
        acked, waiting = _commit(store, sealer), _commit(store, sealer)
        [entry] = [e for e in store.queued(10) if e.record_id == acked]
        assert store.mark_acknowledged_many([(acked, "t", entry.record.sha256)]) == []
        assert store.purge_acknowledged(older_than_s=3600) == 0
        assert store.purge_acknowledged(older_than_s=-1) == 1
        assert store.counts_by_state() == {"queued": 1, "sent": 0, "acknowledged": 0,
                                           "purged": 1}
        rows = dict(store.db.execute("SELECT record_id, blob IS NULL FROM outbox").fetchall())
        assert rows == {acked: 1, waiting: 0}
        assert store.recent_audit(1)[0]["event"] == "records.purged"


def test_disk_guard_refuses_new_sessions_but_never_a_signed_record(tmp_path, sealer,
                                                                   monkeypatch) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=100 * 2**20) as store:
        number = store.reserve_sequence_number("4301", 1, 9999, "s")
        real = os.statvfs

        def nearly_full(path):
            st = real(path)
            return os.statvfs_result((st.f_bsize, 4096, 10, 10, 10, 0, 0, 0, 0, 255))

        monkeypatch.setattr("kiosk.store.database.os.statvfs", nearly_full)
        assert not store.disk_ok() and store.disk_free_bytes() == 40960
        with pytest.raises(DiskFullError) as info:
            store.reserve_sequence_number("4301", 1, 9999, "s2")
        assert info.value.code == "disk_full"
        # The candidate who already has a number and signed is still saved.
        store.commit_record(sealer.seal(make_record(sequence_number=number)), number)
        assert store.counts_by_state()["queued"] == 1
        monkeypatch.setattr("kiosk.store.database.os.statvfs", real)
        assert store.disk_ok()


def test_a_version_1_database_gains_the_id_hash_column(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    with KioskStore(path):
        pass
    with sqlite3.connect(path) as conn:  # make it look like schema 1
        conn.execute("DROP INDEX outbox_id_hash")
        conn.execute("ALTER TABLE outbox DROP COLUMN id_hash")
        conn.execute("PRAGMA user_version = 1")
    with KioskStore(path) as store:
        assert store.visits("0" * 64) == 0
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 2
