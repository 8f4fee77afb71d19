"""Keyed ID-number hashes, retention purge, the disk guard and the batch marks of the outbox."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.errors import DiskFullError
from kiosk.seal import Sealer
from kiosk.store import KioskStore, StoreError
from kiosk.store.disk import COMMIT_MARGIN_BYTES, DiskMoment
from kiosk.store.schema import SCHEMA_VERSION
from kiosk.visits import DEVICE_SECRET_FILE, IdHasher
from tests.store_helpers import RECEIPT_KEY, receipt_for, recent_audit
from tests.synthetic_records import make_record


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")


def _commit(store: KioskStore, sealer: Sealer, id_hash: str | None = None) -> str:
    number = store.numbers.reserve("4301", 1, 9999, "s")
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
        assert store.outbox.visits(digest) == 0
        _commit(store, sealer, digest)
        _commit(store, sealer, digest)
        assert store.outbox.visits(digest) == 2


def test_purge_drops_blobs_of_old_acknowledged_records_only(tmp_path, sealer) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=0) as store:
        acked, waiting = _commit(store, sealer), _commit(store, sealer)
        [entry] = [e for e in store.outbox.queued(10) if e.record_id == acked]
        assert store.outbox.mark_acknowledged([receipt_for(entry.record)]) == []
        key = RECEIPT_KEY.public_key()
        assert store.outbox.purge_acknowledged(3600, key) == 0
        stranger = Ed25519PrivateKey.generate().public_key()
        assert store.outbox.purge_acknowledged(-1, stranger) == 0  # not the province's word
        assert store.outbox.purge_acknowledged(-1, key) == 1
        assert store.outbox.counts_by_state() == {"queued": 1, "sent": 0, "acknowledged": 0,
                                           "purged": 1}
        rows = dict(store.connection.db.execute(
            "SELECT record_id, data IS NULL FROM outbox"
            " LEFT JOIN outbox_blob ON outbox_seq = seq").fetchall())
        assert rows == {acked: 1, waiting: 0}
        assert recent_audit(store, 1)[0]["event"] == "records.purged"


MB = 2**20


@pytest.fixture
def free_space(monkeypatch):
    """Set the free bytes the disk guard sees: `free_space(50 * MB)`."""
    real = os.statvfs

    def set_free(free_bytes: int) -> None:
        def statvfs(path):
            st = real(path)
            blocks = free_bytes // 4096
            return os.statvfs_result((st.f_bsize, 4096, blocks * 2, blocks, blocks,
                                      0, 0, 0, 0, 255))
        monkeypatch.setattr("kiosk.store.disk.os.statvfs", statvfs)
    return set_free


def test_no_session_starts_below_the_configured_floor(tmp_path, free_space) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=100 * MB) as store:
        free_space(150 * MB)
        assert store.disk_ok()
        free_space(99 * MB)
        assert not store.disk_ok()  # the UI shows staff "disk nearly full" instead
        with pytest.raises(DiskFullError) as info:
            store.disk.check(DiskMoment.SESSION_START)
        assert info.value.code == "disk_full"
        assert info.value.detail == "session start: 99.0 MB free, 100.0 MB needed"


def test_a_signed_record_is_saved_below_the_session_floor(tmp_path, sealer,
                                                          free_space) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=100 * MB) as store:
        number = store.numbers.reserve("4301", 1, 9999, "s")
        free_space(20 * MB)  # the disk filled while the candidate went through the steps
        assert not store.disk_ok()
        store.commit_record(sealer.seal(make_record(sequence_number=number)), number)
        assert store.outbox.counts_by_state()["queued"] == 1


def test_a_commit_is_refused_only_when_the_record_and_its_margin_do_not_fit(
        tmp_path, sealer, free_space) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=100 * MB) as store:
        number = store.numbers.reserve("4301", 1, 9999, "s")
        sealed = sealer.seal(make_record(sequence_number=number))
        free_space(COMMIT_MARGIN_BYTES)  # the margin, but not the record beside it
        with pytest.raises(DiskFullError) as info:
            store.commit_record(sealed, number)
        assert info.value.code == "disk_full"
        assert info.value.detail.startswith("commit: 16.0 MB free, 16.")
        assert info.value.detail.endswith(" MB needed")
        assert store.outbox.counts_by_state()["queued"] == 0
        assert store.numbers.usage()["reserved"] == 1  # the number waits for the retry
        free_space(COMMIT_MARGIN_BYTES + MB)
        store.commit_record(sealed, number)  # the staff freed a little room: saved
        free_space(0)
        store.commit_record(sealed, number)  # a retried save of a saved record: no error
        assert store.outbox.counts_by_state()["queued"] == 1


def test_a_machine_without_a_floor_needs_room_for_the_record_only(tmp_path, sealer,
                                                                  free_space) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=0) as store:
        number = store.numbers.reserve("4301", 1, 9999, "s")
        sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=300))
        free_space(MB)
        assert store.disk_ok()
        store.commit_record(sealed, number)
        assert store.outbox.counts_by_state()["queued"] == 1


# The schema of version 1 as main shipped it (no outbox.id_hash, no index on it).
_V1_SCHEMA = """
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY, record_id TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL,
    workflow TEXT NOT NULL, created_at TEXT NOT NULL, size INTEGER NOT NULL,
    sha256 TEXT NOT NULL, blob BLOB, signature BLOB NOT NULL, sequence_number TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'acknowledged', 'purged')),
    queued_at TEXT NOT NULL, sent_at TEXT, acknowledged_at TEXT, server_time TEXT,
    server_sha256 TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
    last_error_at TEXT, next_attempt_at TEXT
);
CREATE INDEX outbox_pending ON outbox (state, seq);
CREATE TABLE sequence_numbers (
    number TEXT PRIMARY KEY, county_code TEXT NOT NULL, serial INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'used')), session_id TEXT NOT NULL,
    record_id TEXT UNIQUE, reserved_at TEXT NOT NULL, used_at TEXT, UNIQUE (county_code, serial)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL,
    facts TEXT NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;
"""


def test_a_version_1_database_opens_keeps_its_records_and_gains_the_id_hash(tmp_path,
                                                                             sealer) -> None:
    path = tmp_path / "old.sqlite"
    sealed = sealer.seal(make_record(sequence_number="43010001", photo_bytes=300))
    with sqlite3.connect(path) as conn:
        conn.executescript(_V1_SCHEMA)
        conn.execute(
            "INSERT INTO sequence_numbers VALUES ('43010001', '4301', 1, 'used', 's',"
            " ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z')", (sealed.record_id,))
        conn.execute(
            "INSERT INTO outbox (record_id, device_id, workflow, created_at, size, sha256, blob,"
            " signature, sequence_number, state, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
            " '43010001', 'queued', '2026-01-01T00:00:01.000Z')",
            (sealed.record_id, sealed.device_id, sealed.workflow, sealed.created_at,
             sealed.size, sealed.sha256, sealed.blob, sealed.signature))
        conn.execute("INSERT INTO settings VALUES ('sync.status', '{\"code\": \"ok\"}')")
    with KioskStore(path, min_free_bytes=0) as store:
        [entry] = store.outbox.queued(10)
        assert entry.record == sealed  # still there, still the same sealed record
        # once: moved beside its row (version 5), not left in it too
        assert store.connection.db.execute(
            "SELECT count(*) FROM outbox WHERE blob IS NOT NULL").fetchone()[0] == 0
        assert store.settings.get("sync.status") == {"code": "ok"}
        assert store.numbers.reserve("4301", 1, 9999, "s2") == "43010002"
        assert store.outbox.visits("0" * 64) == 0
        assert store.connection.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_database_from_a_newer_program_is_refused(tmp_path) -> None:
    path = tmp_path / "new.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        KioskStore(path)


def test_a_batch_of_receipts_is_one_audit_entry_each_on_an_unbroken_chain(
        tmp_path, sealer) -> None:
    with KioskStore(tmp_path / "k.sqlite", min_free_bytes=0) as store:
        ids = [_commit(store, sealer) for _ in range(5)]
        entries = {e.record_id: e.record for e in store.outbox.queued(10)}
        receipts = [receipt_for(entries[i]) for i in ids]
        later = receipt_for(entries[ids[0]], received_at="2026-01-01T00:00:09.000Z")
        foreign = receipt_for(make_sealed_elsewhere(tmp_path))
        bad = store.outbox.mark_acknowledged([*receipts, later, foreign])
        assert bad == [foreign.record_id]
        assert store.outbox.counts_by_state()["acknowledged"] == 5
        acknowledged = [e for e in store.audit.entries() if e.event == "record.acknowledged"]
        assert [e.facts for e in acknowledged] == [f'{{"record_id": "{i}"}}' for i in ids]
        assert store.audit.verify().ok
        [row] = store.connection.read("SELECT receipt FROM outbox WHERE record_id = ?",
                                      (ids[0],))
        assert "2026-01-01T00:00:09.000Z" in row["receipt"]  # the later one, given twice


def make_sealed_elsewhere(tmp_path: Path):
    """A record this machine never queued."""
    return Sealer.from_keys_dir(tmp_path / "elsewhere", "SIM-0009").seal(
        make_record("SIM-0009", photo_bytes=300))
