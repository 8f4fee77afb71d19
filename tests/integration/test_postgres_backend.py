"""The reference server's two backends keep the same promises: SQLite file and PostgreSQL URL.

The store and registry checks run against both (a real PostgreSQL cluster, `postgres_server`);
the end-to-end test runs `provincial-api serve --db postgresql://...` as its own process and
uploads to it with the kiosk's own uploader.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central_api_client.client import DeviceAuth, ProvincialApiClient
from central_api_client.records import ReceivedRecord
from kiosk import seal
from kiosk.config import load_config
from kiosk.seal import SealedRecord, Sealer, load_device_key
from kiosk.store import KioskStore
from provincial_api.backend import (
    Db,
    mask_url,
    open_backend,
    open_candidates,
    open_enrolments,
    open_registry,
    open_store,
    scrub,
)
from provincial_api.cli import cli
from provincial_api.domain import (
    ConflictError,
    DeviceExistsError,
    Registry,
    Store,
    raw_public_key,
)
from tests.integration.postgres_server import PASSWORD, PostgresCluster
from tests.integration.processes import console_script, free_port, start_server, write_kiosk_config
from tests.synthetic_records import make_record

WHEN = "2026-11-24T02:00:00Z"


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    if request.param == "sqlite":
        return tmp_path / "server" / "records.sqlite"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(db: Db) -> Iterator[Store]:
    opened = open_store(db)
    yield opened
    opened.close()


@pytest.fixture
def registry(db: Db) -> Iterator[Registry]:
    opened = open_registry(db)
    yield opened
    opened.close()


DEVICE_KEY = b"k" * 32


def _record(blob: bytes = b"sealed", device_id: str = "SIM-0001",
            record_id: str | None = None) -> SealedRecord:
    return SealedRecord(
        record_id=record_id or str(uuid.uuid4()), device_id=device_id, workflow="collect",
        created_at=WHEN, size=len(blob), sha256=hashlib.sha256(blob).hexdigest(), blob=blob,
        signature=b"s" * 64,
    )


def _put(store: Store, record: SealedRecord, received_at: str) -> tuple[ReceivedRecord, bool]:
    """One record through the store's only write, raising its conflict (test helper)."""
    (outcome,) = store.put_many([record], DEVICE_KEY, received_at)
    if isinstance(outcome, ConflictError):
        raise outcome
    return outcome


def _count(store: Store) -> int:
    return len(store.all_records())


def _key() -> bytes:
    return raw_public_key(Ed25519PrivateKey.generate().public_key())


def _in_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(i)` for i < n, all released at once so they really race."""
    results: list[Any] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - handed back for the test to look at
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


# -- records ---------------------------------------------------------------------------------


def test_a_record_is_stored_once_and_a_repeat_gets_the_first_ack(store: Store, db: Db) -> None:
    record = _record()
    stored, created = _put(store, record, "2026-11-24T03:00:00Z")
    assert created and stored.sha256 == record.sha256
    again, created = _put(store, record, "2026-11-24T04:00:00Z")
    assert not created and again == stored  # the first received_at stands

    reopened = open_store(db)  # a fresh connection: acknowledged means committed
    try:
        assert reopened.get(record.record_id, record.device_id) == stored
        assert _count(reopened) == 1
    finally:
        reopened.close()


def test_another_blob_under_a_taken_id_is_a_conflict(store: Store) -> None:
    first = _record(b"first")
    _put(store, first, WHEN)
    with pytest.raises(ConflictError):
        _put(store, _record(b"second", record_id=first.record_id), WHEN)
    held = store.sealed(first.record_id, first.device_id)
    assert held is not None and held[0].blob == b"first" and held[1] == DEVICE_KEY


def test_one_group_dedupes_repeats_and_reports_conflicts(store: Store) -> None:
    a, b = _record(b"a"), _record(b"b")
    outcomes = store.put_many([a, b, a, _record(b"other", record_id=b.record_id)], DEVICE_KEY,
                              WHEN)
    assert [o[1] for o in outcomes[:3]] == [True, True, False]  # type: ignore[index]
    assert isinstance(outcomes[3], ConflictError)
    assert _count(store) == 2


def test_racing_uploads_of_one_record_store_it_once(store: Store) -> None:
    record = _record()
    outcomes = _in_threads(12, lambda _: _put(store, record, WHEN))
    assert sum(1 for _, created in outcomes if created) == 1
    assert len({stored for stored, _ in outcomes}) == 1
    distinct = _in_threads(12, lambda i: _put(store, _record(bytes([i])), WHEN)[1])
    assert all(distinct) and _count(store) == 13


def test_reads_are_metadata_listings_and_the_count(store: Store) -> None:
    ids = sorted(str(uuid.uuid4()) for _ in range(3))
    for record_id in ids:
        _put(store, _record(record_id=record_id), WHEN)  # same received_at: ordered by id
    _put(store, _record(device_id="SIM-0002"), "2026-11-24T01:00:00Z")

    assert [r.record_id for r in store.device_records("SIM-0001", 10)] == ids
    assert [r.record_id for r in store.device_records("SIM-0001", 2)] == ids[:2]
    listed = store.all_records()
    assert [r.device_id for r in listed] == ["SIM-0002", *["SIM-0001"] * 3]  # oldest first
    assert _count(store) == 4
    assert store.get(str(uuid.uuid4()), "SIM-0001") is None
    assert store.sealed(str(uuid.uuid4()), "SIM-0001") is None
    assert store.get(ids[0], "SIM-0002") is None
    stored = store.get(ids[0], "SIM-0001")
    assert stored is not None and (stored.size, stored.workflow) == (6, "collect")
    held = store.sealed(ids[0], "SIM-0001")
    assert held is not None and held[0] == _record(record_id=ids[0])


def test_one_id_from_two_devices_is_two_records_neither_blocking_the_other(
        store: Store) -> None:
    """Records are keyed by (record id, device id): another device's blob under my id is not
    a conflict for me, and each device's repeat gets its own record back."""
    theirs = _record(b"theirs", device_id="SIM-0002")
    mine = _record(b"mine", record_id=theirs.record_id)
    outcomes = store.put_many([theirs, mine, theirs, mine], DEVICE_KEY, WHEN)
    assert [o[1] for o in outcomes] == [True, True, False, False]  # type: ignore[index]
    assert [o[0].device_id for o in outcomes] == [  # type: ignore[index]
        "SIM-0002", "SIM-0001", "SIM-0002", "SIM-0001"]
    _, created = _put(store, mine, WHEN)  # in a group of its own, too
    assert not created
    with pytest.raises(ConflictError):  # my own id with another blob still is a conflict
        _put(store, _record(b"changed", record_id=mine.record_id), WHEN)
    assert store.holders(mine.record_id) == ["SIM-0001", "SIM-0002"]
    got = store.get(mine.record_id, "SIM-0001")
    assert got is not None and got.sha256 == mine.sha256
    assert _count(store) == 2


_OLD_RECORDS_TABLE = """CREATE TABLE records (
    record_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, workflow TEXT NOT NULL,
    created_at TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, blob {blob} NOT NULL,
    signature {blob} NOT NULL, device_public_key {blob} NOT NULL, received_at TEXT NOT NULL)"""


def test_a_database_keyed_by_record_id_alone_is_migrated_keeping_its_records(db: Db) -> None:
    old = _record(b"old")
    row = (old.record_id, old.device_id, old.workflow, old.created_at, old.size, old.sha256,
           old.blob, old.signature, DEVICE_KEY, WHEN)
    if isinstance(db, Path):
        import sqlite3

        db.parent.mkdir(parents=True)
        with sqlite3.connect(db) as conn:
            conn.execute(_OLD_RECORDS_TABLE.format(blob="BLOB"))
            conn.execute(f"INSERT INTO records VALUES ({', '.join('?' * 10)})", row)
    else:
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(_OLD_RECORDS_TABLE.format(blob="BYTEA"))
            conn.execute(f"INSERT INTO records VALUES ({', '.join(['%s'] * 10)})", row)
    for opening in range(2):  # a second opening finds it migrated already
        migrated = open_store(db)
        try:
            assert migrated.get(old.record_id, old.device_id) is not None
            _, created = _put(migrated, _record(b"other", "SIM-0002", old.record_id), WHEN)
            assert created == (opening == 0)
            assert migrated.holders(old.record_id) == ["SIM-0001", "SIM-0002"]
        finally:
            migrated.close()


# -- device registry and nonces --------------------------------------------------------------


def test_devices_are_added_listed_and_removed(registry: Registry) -> None:
    key = _key()
    assert registry.add("SIM-0002", key, WHEN, "operator") is True
    assert registry.add("SIM-0002", key, WHEN, "operator") is False  # same key: no change
    with pytest.raises(DeviceExistsError):
        registry.add("SIM-0002", _key(), WHEN, "operator")
    with pytest.raises(ValueError):
        registry.add("SIM-0003", b"not a key", WHEN, "operator")
    assert registry.add("SIM-0001", _key(), WHEN, "dev-enrol")

    device = registry.get("SIM-0002")
    assert device is not None and device.public_key == key and device.active
    assert (device.enrolled_at, device.enrolled_by) == (WHEN, "operator")
    assert [d.device_id for d in registry.all()] == ["SIM-0001", "SIM-0002"]
    assert registry.remove("SIM-0002") is True and registry.remove("SIM-0002") is False
    assert registry.get("SIM-0002") is None


def test_a_nonce_is_accepted_once_per_device(registry: Registry,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("provincial_api.pg_registry.NONCE_SWEEP_S", 0.0)  # sweep every time
    assert registry.remember_nonce("SIM-0001", "n1", 1000, 0)
    assert not registry.remember_nonce("SIM-0001", "n1", 1000, 0)  # a replay
    assert registry.remember_nonce("SIM-0002", "n1", 1000, 0)  # another device's own nonce
    # Accepting a new nonce forgets those older than forget_before (past the clock check).
    assert registry.remember_nonce("SIM-0001", "n2", 2000, 1500)
    assert registry.remember_nonce("SIM-0001", "n1", 1000, 0)


def test_racing_requests_with_one_nonce_let_exactly_one_through(registry: Registry) -> None:
    accepted = _in_threads(12, lambda _: registry.remember_nonce("SIM-0001", "same", 1000, 0))
    assert accepted.count(True) == 1 and accepted.count(False) == 11


def test_the_longest_audit_chain_head_is_kept_and_a_shorter_one_flagged(
        registry: Registry) -> None:
    a, b = "a" * 64, "b" * 64
    assert registry.note_audit_head("SIM-0001", 3, a, 100, "t1") is None
    assert registry.note_audit_head("SIM-0001", 3, a, 101, "t2") is None  # the same chain
    assert registry.note_audit_head("SIM-0001", 5, b, 102, "t3") is None  # it grew
    assert registry.note_audit_head("SIM-0001", 4, a, 101, "t4") is None  # overtaken on the way
    assert registry.note_audit_head("SIM-0001", 5, a, 103, "t5") == "rewritten"
    assert registry.note_audit_head("SIM-0001", 2, a, 104, "t6") == "truncated"
    seen = registry.audit_heads()["SIM-0001"]
    assert (seen.count, seen.head, seen.seen_at, seen.problem) == (5, b, "t3", "truncated")
    # Concurrent requests of one uploader, arriving in any order: never an alarm.
    racing = _in_threads(8, lambda i: registry.note_audit_head("SIM-0002", 10 + i, a, 200 + i,
                                                               "t"))
    assert racing == [None] * 8 and registry.audit_heads()["SIM-0002"].count == 17


def test_store_and_registry_open_together_over_one_database(db: Db) -> None:
    store, registry = open_backend(db)
    try:
        assert registry.add("SIM-0001", _key(), WHEN, "operator")
        _put(store, _record(), WHEN)
        assert _count(store) == 1 and len(registry.all()) == 1
    finally:
        store.close()
        registry.close()


# -- PostgreSQL specifics: errors an operator can act on, passwords never shown --------------


def test_a_server_restart_fails_no_request(postgres_cluster: PostgresCluster,
                                           postgres_url: str) -> None:
    store, registry = open_backend(postgres_url)
    try:
        _put(store, _record(), WHEN)  # the writer and the pool now hold open connections
        assert registry.remember_nonce("SIM-0001", "before", 1000, 0)
        postgres_cluster.restart()
        _put(store, _record(), WHEN)
        assert registry.remember_nonce("SIM-0001", "after", 1000, 0)
        assert _count(store) == 2
    finally:
        store.close()
        registry.close()


def test_urls_are_shown_with_the_password_masked() -> None:
    assert mask_url("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert mask_url("postgres://u@h/db?password=x&sslmode=require") == (
        "postgres://u@h/db?password=***&sslmode=require")
    assert mask_url("postgresql:///db") == "postgresql:///db"
    assert scrub("auth failed for p@ss and p%40ss", "postgresql://u:p%40ss@h/db") == (
        "auth failed for *** and ***")


def test_an_unreachable_server_is_a_message_without_the_password() -> None:
    url = f"postgresql://kiosk:{PASSWORD}@127.0.0.1:{free_port()}/records"
    result = subprocess.run([console_script("provincial-api"), "list", "--db", url],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "cannot connect to PostgreSQL at postgresql://kiosk:***@127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr + result.stdout


def test_a_wrong_password_is_told_without_it(postgres_cluster: PostgresCluster) -> None:
    url = postgres_cluster.url().replace(PASSWORD, "wrong-secret")
    result = CliRunner().invoke(cli, ["devices", "list", "--db", url])
    assert result.exit_code == 1 and "password authentication failed" in result.output
    assert "wrong-secret" not in result.output


def test_a_postgres_url_without_psycopg_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    url = f"postgresql://kiosk:{PASSWORD}@127.0.0.1:5432/records"
    result = CliRunner().invoke(cli, ["list", "--db", url])
    assert result.exit_code == 1 and "psycopg is not installed" in result.output
    assert "hunan-exam-kiosk[postgres]" in result.output and PASSWORD not in result.output


# -- end to end: serve on PostgreSQL, the kiosk's uploader, the operator's CLI ---------------


def test_serve_on_postgres_stores_an_upload_once_and_lists_it(
    tmp_path: Path, postgres_url: str
) -> None:
    server = start_server(postgres_url,  # type: ignore[arg-type]  # a URL where a path goes
                          receipt_dir=tmp_path)
    try:
        kiosk = write_kiosk_config(tmp_path, server.url, receipt_key=server.receipt_public_key)
        sealed = _commit_records(kiosk.config_path, 2)
        uploaded = subprocess.run([console_script("kiosk-uploader"), "--once"], env=kiosk.env(),
                                  capture_output=True, text=True, timeout=60)
        assert uploaded.returncode == 0, uploaded.stdout[-2000:]
        events = [json.loads(line)["event"] for line in uploaded.stdout.splitlines() if line]
        assert events.count("uploader.acknowledged") == 2

        config = load_config(kiosk.config_path)
        auth = DeviceAuth("SIM-0001", load_device_key(config.keys_dir))
        with ProvincialApiClient(server.url, 5.0, auth=auth,
                                 receipt_key=server.receipt_key()) as client:
            ack = client.put_record(sealed[0])  # the same record once more
        assert not ack.created and ack.sha256 == sealed[0].sha256
    finally:
        server.stop()

    listed = _cli("list", "--json", "--db", postgres_url)
    assert sorted(json.loads(line)["record_id"] for line in listed.splitlines()) == sorted(
        s.record_id for s in sealed)
    table = _cli("list", "--db", postgres_url)
    assert "kiosk:***@127.0.0.1" in table.replace("\n", "")
    key = config.keys_dir / seal.DEV_PROVINCE_PRIVATE_KEY_FILE
    opened = json.loads(_cli("open", sealed[1].record_id, "--key", str(key), "--db", postgres_url))
    assert opened["record_id"] == sealed[1].record_id
    assert "SIM-0001\tactive\tdev-enrol" in _cli("devices", "list", "--db", postgres_url)
    assert PASSWORD not in "".join(server.lines) + table


def _commit_records(config_path: Path, n: int) -> list[SealedRecord]:
    """What the kiosk UI does on "sign": reserve a number, seal, commit to the outbox."""
    config = load_config(config_path)
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id)
    out = []
    with KioskStore(config.database_path) as kiosk_store:
        for i in range(n):
            number = kiosk_store.numbers.reserve(
                config.device.county_code, config.sequence.first, config.sequence.last, f"s{i}")
            sealed = sealer.seal(make_record(config.device.id, number, photo_bytes=2_000))
            kiosk_store.commit_record(sealed, number)
            out.append(sealed)
    return out


def _cli(*args: str) -> str:
    result = subprocess.run([console_script("provincial-api"), *args], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr[-1000:]
    return result.stdout


# -- several server processes (`serve --workers`) -----------------------------------------------


def test_serve_with_two_workers_answers_from_both_and_stops_whole(
    tmp_path: Path, postgres_url: str
) -> None:
    """Two processes share the port: uploads from many connections are all stored once, both
    workers take part, and SIGTERM to the server stops every process of it."""
    import psutil

    server = start_server(postgres_url,  # type: ignore[arg-type]  # a URL where a path goes
                          receipt_dir=tmp_path, extra=("--workers", "2"))
    try:
        workers = psutil.Process(server.process.pid).children()
        assert len(workers) == 2
        deadline = time.monotonic() + 20  # both have made their app (not just the first)
        while "".join(server.lines).count("Started server process") < 2:
            assert time.monotonic() < deadline, "".join(server.lines)[-2000:]
            time.sleep(0.05)

        def cpu_s() -> list[float]:
            return [w.cpu_times().user + w.cpu_times().system for w in workers]

        started = cpu_s()
        sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
        sealed = [sealer.seal(make_record("SIM-0001", photo_bytes=500)) for _ in range(24)]
        auth = DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys"))

        def upload(i: int) -> bool:  # a connection each: the kernel spreads them
            with ProvincialApiClient(server.url, 10.0, auth=auth,
                                     receipt_key=server.receipt_key()) as client:
                return client.put_record(sealed[i]).created

        assert _in_threads(24, upload) == [True] * 24
        # Both served: each spent CPU on requests (the kernel hands a connection to either).
        assert all(now > then for now, then in zip(cpu_s(), started, strict=True))
    finally:
        assert server.stop() == 0
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    listed = _cli("list", "--json", "--db", postgres_url)
    assert len(listed.splitlines()) == 24


def test_workers_need_postgres(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "api.db"), "--dev-enrol",
                                      "--workers", "2"])
    assert result.exit_code == 1 and "--workers above 1 needs a PostgreSQL --db" in result.output


def test_server_processes_starting_together_create_the_tables_once(
    postgres_cluster: PostgresCluster,
) -> None:
    """Every store's tables are made under the one schema lock: before, two workers starting on
    an empty database failed on CREATE TABLE IF NOT EXISTS candidates."""
    url = postgres_cluster.create_database(f"race_{uuid.uuid4().hex[:8]}")

    def start(i: int) -> tuple[Any, ...]:  # the stores `create_app` opens, in either order
        return (open_candidates(url), open_enrolments(url)) if i % 2 else (
            open_enrolments(url), open_candidates(url))

    outcomes = _in_threads(8, start)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    for opened in outcomes:
        for part in opened:
            part.pool.close() if hasattr(part, "pool") else part.close()


def test_a_worker_that_dies_stops_the_server_and_says_so(
    tmp_path: Path, postgres_url: str
) -> None:
    """Killed by the OOM killer, say: the server does not go on smaller and unnoticed; it
    stops with status 1 (so the service manager restarts all of it) and says which worker
    ended how."""
    import signal as signals

    import psutil

    server = start_server(postgres_url,  # type: ignore[arg-type]  # a URL where a path goes
                          receipt_dir=tmp_path, extra=("--workers", "2"))
    workers = psutil.Process(server.process.pid).children()
    victim, other = workers
    victim.send_signal(signals.SIGKILL)
    assert server.process.wait(timeout=15) == 1
    other.wait(timeout=5)  # the other worker was stopped too
    said = "".join(server.lines)
    assert f"worker {victim.pid} was killed by SIGKILL; stopping the others" in said
