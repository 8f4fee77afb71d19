"""PostgreSQL for the reference server: the schema, and a small pool of connections.

psycopg 3 is an optional extra (`pip install 'hunan-exam-kiosk[postgres]'`): it is imported
only when a `postgresql://` URL is given, and its absence is a message, not a traceback. Every
failure to connect is told with the URL's password masked, also in the driver's own words.
"""

from __future__ import annotations

import select
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING

from provincial_api.backend import BackendError, mask_url, scrub

if TYPE_CHECKING:
    from psycopg import Connection

CONNECT_TIMEOUT_S = 10
# PostgreSQL starts a server process per connection: keep them open between requests rather
# than pay that on every call. As many as may be busy at once: the API's worker threads (anyio's
# default, 40) and the group commit's writer; with fewer, a loaded server opened and closed a
# connection for most requests (a fork on PostgreSQL's side each time).
MAX_IDLE = 48
# Taken for the schema's creation, so two processes starting on an empty database do not race
# on CREATE TABLE IF NOT EXISTS (which is not safe against a concurrent twin).
_SCHEMA_LOCK_KEY = 0x70726F76  # "prov"

# The same tables as the SQLite backend (`sqlite_db`). COLLATE "C": order by bytes as SQLite
# does, whatever the database's locale, so listings come out in the same order on both.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS records (
        record_id TEXT COLLATE "C" NOT NULL,
        device_id TEXT COLLATE "C" NOT NULL,
        workflow TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        size BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        blob BYTEA NOT NULL,
        signature BYTEA NOT NULL,
        device_public_key BYTEA NOT NULL,
        received_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (record_id, device_id)
    )""",
    "CREATE INDEX IF NOT EXISTS records_by_device ON records (device_id, received_at)",
    """CREATE TABLE IF NOT EXISTS devices (
        device_id TEXT COLLATE "C" PRIMARY KEY,
        public_key BYTEA NOT NULL,
        enrolled_at TEXT NOT NULL,
        enrolled_by TEXT NOT NULL,
        active BOOLEAN NOT NULL DEFAULT TRUE
    )""",
    """CREATE TABLE IF NOT EXISTS audit_heads (
        device_id TEXT COLLATE "C" PRIMARY KEY,
        count BIGINT NOT NULL,
        head TEXT NOT NULL,
        created BIGINT NOT NULL,
        seen_at TEXT NOT NULL,
        problem TEXT
    )""",
    # Each device's end-of-day reports (the wire JSON), one per day, the latest confirmation.
    """CREATE TABLE IF NOT EXISTS day_reports (
        device_id TEXT COLLATE "C" NOT NULL,
        day TEXT COLLATE "C" NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (device_id, day)
    )""",
    # Each device's latest heartbeat (the wire JSON), replaced by one sent later.
    """CREATE TABLE IF NOT EXISTS heartbeats (
        device_id TEXT COLLATE "C" PRIMARY KEY,
        sent_at TEXT COLLATE "C" NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT COLLATE "C" NOT NULL
    )""",
    # Numbers a device reported it voided: each (device, number) once, whatever the repeats.
    """CREATE TABLE IF NOT EXISTS voided_numbers (
        device_id TEXT COLLATE "C" NOT NULL,
        number TEXT COLLATE "C" NOT NULL,
        voided_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (device_id, number)
    )""",
    # The primary key is what refuses a replay: two requests with one nonce cannot both insert.
    """CREATE TABLE IF NOT EXISTS nonces (
        device_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        created BIGINT NOT NULL,
        PRIMARY KEY (device_id, nonce)
    )""",
    "CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (created)",
)


def import_psycopg() -> ModuleType:
    try:
        import psycopg
    except ImportError:
        raise BackendError(
            "--db names a PostgreSQL database but psycopg is not installed:"
            " pip install 'hunan-exam-kiosk[postgres]'"
        ) from None
    return psycopg


class Pool:
    """Connections to one database, in autocommit mode: a write is one explicit transaction.

    Each connection sets synchronous_commit on, whatever the server's default: a COMMIT returns
    only once the WAL is flushed, which is what lets the API acknowledge a record. A connection
    the server closed while it sat idle (a restart) is noticed before use and replaced; one lost
    in the middle of a call fails that call with a BackendError and is not reused.
    """

    def __init__(self, url: str) -> None:
        self._psycopg = import_psycopg()
        self.url = url
        self.shown = mask_url(url)
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        ensure_schema(self)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        conn = self._take() or self._open()
        try:
            with self.guard(conn):
                yield conn
        finally:
            self._give_back(conn)

    @contextmanager
    def guard(self, conn: Connection) -> Iterator[None]:
        """A connection lost midway becomes a BackendError (told without the password)."""
        try:
            yield
        except self._psycopg.OperationalError as exc:
            if conn.broken:
                raise self._error("lost the connection to", exc) from None
            raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _open(self) -> Connection:
        try:
            conn = self._psycopg.connect(self.url, autocommit=True,
                                         connect_timeout=CONNECT_TIMEOUT_S,
                                         application_name="provincial-api")
        except self._psycopg.Error as exc:
            raise self._error("cannot connect to", exc) from None
        conn.execute("SET synchronous_commit = on")
        opened: Connection = conn
        return opened

    def _take(self) -> Connection | None:
        while True:
            with self._lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            if is_alive(conn):
                return conn
            conn.close()

    def _give_back(self, conn: Connection) -> None:
        idle = self._psycopg.pq.TransactionStatus.IDLE
        if is_alive(conn) and conn.info.transaction_status == idle:
            with self._lock:
                if not self._closed and len(self._idle) < MAX_IDLE:
                    self._idle.append(conn)
                    return
        conn.close()

    def _error(self, doing: str, exc: Exception) -> BackendError:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = reason.removeprefix("connection failed: ")
        return BackendError(f"{doing} PostgreSQL at {self.shown}: {scrub(reason, self.url)}")


def is_alive(conn: Connection) -> bool:
    """Still usable, as far as can be told without a round trip: an idle connection has nothing
    to read unless the server said goodbye (a restart sends each client a FATAL, then EOF)."""
    if conn.closed or conn.broken:
        return False
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def ensure_schema(pool: Pool) -> None:
    """Create the tables if missing; idempotent, and safe with several processes starting."""
    with schema_change(pool) as conn:
        for statement in _SCHEMA:
            conn.execute(statement)
        _rekey_records(conn)


def create_tables(pool: Pool, statements: Iterable[str]) -> None:
    """Run CREATE ... IF NOT EXISTS statements of another store (candidates, enrolments) as
    `ensure_schema` runs the records' own."""
    with schema_change(pool) as conn:
        for statement in statements:
            conn.execute(statement)


@contextmanager
def schema_change(pool: Pool) -> Iterator[Connection]:
    """A transaction holding the one schema lock: every server process (`serve --workers`)
    creates the tables it uses when it starts, and two CREATE TABLE IF NOT EXISTS of one
    table at once fail (a unique violation in PostgreSQL's catalogue)."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
        yield conn


def _rekey_records(conn: Connection) -> None:
    """Migrate a database made when a record id alone was the key to the (record id, device
    id) key (`sqlite_db` does the same); under the schema lock, so once."""
    key = [row[0] for row in conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
        " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indrelid = 'records'::regclass AND i.indisprimary").fetchall()]
    if key != ["record_id"]:
        return
    row = conn.execute("SELECT conname FROM pg_constraint"
                       " WHERE conrelid = 'records'::regclass AND contype = 'p'").fetchone()
    assert row is not None  # the key found just above is this constraint's
    name = row[0]
    conn.execute(f'ALTER TABLE records DROP CONSTRAINT "{name}",'
                 " ADD PRIMARY KEY (record_id, device_id)")
