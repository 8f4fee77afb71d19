"""The kiosk's database: sequence numbers never come back, commits are atomic and idempotent."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from kiosk.core.errors import SequenceExhaustedError
from kiosk.seal import SealedRecord, Sealer
from kiosk.store import KioskStore, StoreError
from tests.store_helpers import receipt_for, recent_audit
from tests.synthetic_records import make_record


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.sqlite"


@pytest.fixture
def store(db_path: Path):
    with KioskStore(db_path) as s:
        yield s


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")


def _seal(sealer: Sealer, number: str) -> SealedRecord:
    return sealer.seal(make_record(sequence_number=number, photo_bytes=1000))


def test_database_is_wal_with_full_sync(store: KioskStore) -> None:
    conn = store.connection.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_numbers_count_up_from_the_first_serial(store: KioskStore) -> None:
    numbers = [store.numbers.reserve("4301", 5, 9, f"s{i}") for i in range(3)]
    assert numbers == ["43010005", "43010006", "43010007"]


def test_reservation_never_reused_across_reopen(db_path: Path) -> None:
    with KioskStore(db_path) as store:
        first = store.numbers.reserve("4301", 1, 100, "s1")
    with KioskStore(db_path) as store:
        second = store.numbers.reserve("4301", 1, 100, "s2")
    assert (first, second) == ("43010001", "43010002")


def test_abandoned_reservation_is_not_handed_out_again(store: KioskStore) -> None:
    store.numbers.reserve("4301", 1, 100, "walked-away")
    assert store.numbers.reserve("4301", 1, 100, "next") == "43010002"
    assert store.numbers.usage()["reserved"] == 2


def test_change_of_range(store: KioskStore) -> None:
    for i in range(3):
        store.numbers.reserve("4301", 1, 100, f"s{i}")
    # The county moves the point to a new range, then widens it back over the old one.
    assert store.numbers.reserve("4301", 500, 599, "a") == "43010500"
    assert store.numbers.reserve("4301", 1, 599, "b") == "43010501"
    # A range below everything issued starts at its own first serial.
    assert store.numbers.reserve("4301", 200, 299, "c") == "43010200"


def test_counties_count_separately(store: KioskStore) -> None:
    assert store.numbers.reserve("4301", 1, 9, "a") == "43010001"
    assert store.numbers.reserve("4302", 1, 9, "b") == "43020001"


def test_exhaustion_raises_and_stays_exhausted(db_path: Path) -> None:
    with KioskStore(db_path) as store:
        store.numbers.reserve("4301", 7, 8, "a")
        store.numbers.reserve("4301", 7, 8, "b")
        with pytest.raises(SequenceExhaustedError) as info:
            store.numbers.reserve("4301", 7, 8, "c")
        assert info.value.code == "sequence_exhausted"
        assert store.numbers.remaining("4301", 7, 8) == 0
    with KioskStore(db_path) as store, pytest.raises(SequenceExhaustedError):
        store.numbers.reserve("4301", 7, 8, "d")


def test_bad_arguments_are_refused(store: KioskStore) -> None:
    with pytest.raises(ValueError):
        store.numbers.reserve("43", 1, 9, "a")
    with pytest.raises(ValueError):
        store.numbers.reserve("4301", 9, 1, "a")


def test_commit_record_queues_spends_and_audits(store: KioskStore, sealer: Sealer) -> None:
    number = store.numbers.reserve("4301", 1, 100, "s1")
    sealed = _seal(sealer, number)
    store.commit_record(sealed, number)

    assert store.outbox.counts_by_state() == {"queued": 1, "sent": 0, "acknowledged": 0,
                                              "purged": 0}
    usage = store.numbers.usage()
    assert (usage["reserved"], usage["used"], usage["last_serial"]) == (0, 1, 1)
    [entry] = store.outbox.queued(10)
    assert entry.record_id == sealed.record_id and entry.record == sealed
    assert entry.sequence_number == number
    audit = recent_audit(store, 5)
    assert audit[0]["event"] == "record.committed"
    assert audit[0]["facts"]["record_id"] == sealed.record_id


def test_commit_is_idempotent(store: KioskStore, sealer: Sealer) -> None:
    number = store.numbers.reserve("4301", 1, 100, "s1")
    record = make_record(sequence_number=number, photo_bytes=1000)
    store.commit_record(sealer.seal(record), number)
    store.commit_record(sealer.seal(record), number)  # resealed: another blob, same record
    assert store.outbox.counts_by_state()["queued"] == 1
    assert [a["event"] for a in recent_audit(store, 10)].count("record.committed") == 1


def test_commit_needs_a_reserved_unused_number(store: KioskStore, sealer: Sealer) -> None:
    with pytest.raises(StoreError, match="never reserved"):
        store.commit_record(_seal(sealer, "43019999"), "43019999")
    number = store.numbers.reserve("4301", 1, 100, "s1")
    store.commit_record(_seal(sealer, number), number)
    with pytest.raises(StoreError, match="already used"):
        store.commit_record(_seal(sealer, number), number)
    assert store.outbox.counts_by_state()["queued"] == 1


def test_failed_commit_leaves_nothing_behind(store: KioskStore, sealer: Sealer) -> None:
    number = store.numbers.reserve("4301", 1, 100, "s1")
    sealed = _seal(sealer, number)
    store.connection.db.conn.execute(
        "CREATE TRIGGER fail_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.commit_record(sealed, number)
    store.connection.db.conn.execute("DROP TRIGGER fail_audit")
    assert store.outbox.counts_by_state()["queued"] == 0
    assert store.numbers.usage()["used"] == 0
    store.commit_record(sealed, number)
    assert store.outbox.counts_by_state()["queued"] == 1


def test_upload_states(store: KioskStore, sealer: Sealer) -> None:
    entries = []
    for i in range(3):
        number = store.numbers.reserve("4301", 1, 100, f"s{i}")
        sealed = _seal(sealer, number)
        store.commit_record(sealed, number)
        entries.append(sealed)
    assert [e.record_id for e in store.outbox.queued(10)] == [e.record_id for e in entries]
    assert store.outbox.newest_record_id() == entries[-1].record_id
    assert store.outbox.oldest_unacknowledged_age_s() is not None

    a, b, c = entries
    outbox = store.outbox
    outbox.mark_sent([a.record_id])
    assert outbox.counts_by_state()["sent"] == 1
    assert a.record_id in [e.record_id for e in outbox.queued(10)]  # a crash mid-PUT resends it
    # An ack for another blob than the one queued is refused and the record stays pending.
    assert outbox.mark_acknowledged([receipt_for(a, sha256="0" * 64)]) == [a.record_id]
    assert outbox.mark_acknowledged([receipt_for(a, device_id="SIM-0666")]) == [a.record_id]
    assert outbox.counts_by_state()["acknowledged"] == 0
    assert outbox.mark_acknowledged([receipt_for(a)]) == []
    missing = receipt_for(a, record_id="01900000-0000-7000-8000-000000000000")
    assert outbox.mark_acknowledged([missing]) == [missing.record_id]

    outbox.mark_sent([b.record_id])
    outbox.mark_error(b.record_id, "rejected 422 invalid_signature: nope", retry_after_s=3600)
    assert [e.record_id for e in outbox.queued(10)] == [c.record_id]  # b waits
    outbox.mark_error(c.record_id, "server unreachable: ConnectError: refused")
    assert outbox.last_error()["record_id"] == c.record_id

    assert outbox.counts_by_state() == {"queued": 2, "sent": 0, "acknowledged": 1, "purged": 0}
    [queued_b] = [e for e in outbox.queued(10, now="9999") if e.record_id == b.record_id]
    assert queued_b.attempts == 1 and queued_b.last_error.startswith("rejected 422")


def test_nothing_waiting(store: KioskStore) -> None:
    assert store.outbox.newest_record_id() is None
    assert store.outbox.oldest_unacknowledged_age_s() is None
    assert store.outbox.last_error() is None
    assert store.outbox.queued(10) == []


def test_audit_redacts_id_numbers(store: KioskStore) -> None:
    number = make_record().document.id_number
    store.audit.append("test.event", note=f"oops {number}", count=3)
    [entry] = recent_audit(store, 1)
    assert number not in str(entry["facts"])
    assert entry["facts"]["count"] == 3


def _reserve_many(path: str, n: int, queue: multiprocessing.Queue) -> None:
    with KioskStore(Path(path)) as store:
        queue.put([store.numbers.reserve("4301", 1, 9999, "p") for _ in range(n)])


def test_processes_reserving_at_once_never_share_a_number(db_path: Path) -> None:
    KioskStore(db_path).close()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_reserve_many, args=(str(db_path), 25, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    numbers = [n for _ in procs for n in queue.get(timeout=60)]
    for p in procs:
        p.join(timeout=30)
    assert len(numbers) == 100 and len(set(numbers)) == 100
