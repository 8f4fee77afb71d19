"""The `EnrolmentBook` in SQL: tokens, enrolled devices and the ranges handed out.

One set of statements for both backends (written with `?`; PostgreSQL's `%s` is substituted),
since they differ only in how a transaction is opened and serialised: SQLite's BEGIN IMMEDIATE
takes the file's write lock, PostgreSQL takes an advisory lock for the transaction. Either way
two enrolments never allocate at once, which is what keeps every county's ranges apart; the
primary key (county, first serial) would refuse a second block at the same place regardless.
Enrolments are rare (one per machine): serialising them costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

from central_api_client.enrolment import EnrolmentToken, SequenceRange
from provincial_api.enrolment import (
    ENROLLED_BY,
    EnrolmentRow,
    EnrolRefused,
    NewDevice,
    TokenRow,
    check_token,
    device_id_for,
)
from provincial_api.ranges import CountyPools, RangesError, allocate

TABLES = (
    """CREATE TABLE IF NOT EXISTS enrol_tokens (
        token_id TEXT PRIMARY KEY,
        secret_sha256 TEXT NOT NULL,
        county_code TEXT NOT NULL,
        point TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        device_id TEXT,
        device_key_sha256 TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS enrolments (
        device_id TEXT PRIMARY KEY,
        county_code TEXT NOT NULL,
        serial INTEGER NOT NULL,
        point TEXT NOT NULL,
        token_id TEXT NOT NULL,
        device_key_sha256 TEXT NOT NULL,
        key_storage TEXT NOT NULL,
        enrolled_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS sequence_ranges (
        county_code TEXT NOT NULL,
        first INTEGER NOT NULL,
        last INTEGER NOT NULL,
        category TEXT NOT NULL,
        device_id TEXT NOT NULL,
        PRIMARY KEY (county_code, first)
    )""",
)
TOKEN_COLUMNS = ", ".join(f.name for f in fields(TokenRow))
ENROLMENT_COLUMNS = ("device_id, county_code, point, token_id, device_key_sha256, key_storage,"
                     " enrolled_at")
_PG_LOCK_KEY = 0x656E726F  # "enro": one enrolment at a time


class SqlEnrolments:
    """The statements; a backend supplies `_write()` (a serialised transaction) and `_read()`
    (a connection), each yielding something with DB-API `execute`."""

    marker = "?"

    def _write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement if self.marker == "?" else statement.replace("?", self.marker)

    def close(self) -> None:
        """Nothing held open between calls (PostgreSQL's pool is the registry's)."""

    def issue(self, token: TokenRow) -> None:
        marks = ", ".join("?" * len(fields(TokenRow)))
        with self._write() as conn:
            conn.execute(self._sql(f"INSERT INTO enrol_tokens ({TOKEN_COLUMNS})"
                                   f" VALUES ({marks})"), tuple(vars(token).values()))

    def tokens(self) -> list[TokenRow]:
        with self._read() as conn:
            rows = conn.execute(f"SELECT {TOKEN_COLUMNS} FROM enrol_tokens"
                                " ORDER BY created_at, token_id").fetchall()
        return [TokenRow(*row) for row in rows]

    def enrolments(self) -> dict[str, EnrolmentRow]:
        with self._read() as conn:
            rows = conn.execute(f"SELECT {ENROLMENT_COLUMNS} FROM enrolments").fetchall()
            return {row[0]: self._enrolment(conn, row) for row in rows}

    def enrol(self, token: EnrolmentToken, device: NewDevice, now: str,
              pools: CountyPools) -> EnrolmentRow:
        sql = self._sql
        with self._write() as conn:
            found = conn.execute(sql(f"SELECT {TOKEN_COLUMNS} FROM enrol_tokens"
                                     " WHERE token_id = ?"), (token.token_id,)).fetchone()
            row = None if found is None else TokenRow(*found)
            if check_token(row, token, device.key_sha256, now):
                assert row is not None and row.device_id is not None
                return self._again(conn, row.device_id)
            assert row is not None
            county = row.county_code
            taken = conn.execute(sql("SELECT first, last FROM sequence_ranges"
                                     " WHERE county_code = ?"), (county,)).fetchall()
            try:
                ranges = allocate(pools.pools(county), [(a, b) for a, b in taken])
            except RangesError as exc:
                raise EnrolRefused(409, "ranges_exhausted", f"county {county}: {exc}") from None
            (highest,) = conn.execute(sql("SELECT max(serial) FROM enrolments"
                                          " WHERE county_code = ?"), (county,)).fetchone()
            serial = (highest or 0) + 1
            while conn.execute(sql("SELECT 1 FROM devices WHERE device_id = ?"),
                               (device_id_for(county, serial),)).fetchone() is not None:
                serial += 1  # an id an operator gave by hand (`devices add`) stays theirs
            device_id = device_id_for(county, serial)
            conn.execute(sql("INSERT INTO devices (device_id, public_key, enrolled_at,"
                             " enrolled_by) VALUES (?, ?, ?, ?)"),
                         (device_id, device.registry_key, now, ENROLLED_BY))
            conn.execute(sql(f"INSERT INTO enrolments ({ENROLMENT_COLUMNS}, serial)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                         (device_id, county, row.point, row.token_id, device.key_sha256,
                          device.key_storage, now, serial))
            for r in ranges:
                conn.execute(sql("INSERT INTO sequence_ranges (county_code, first, last,"
                                 " category, device_id) VALUES (?, ?, ?, ?, ?)"),
                             (county, r.first, r.last, r.category, device_id))
            conn.execute(sql("UPDATE enrol_tokens SET used_at = ?, device_id = ?,"
                             " device_key_sha256 = ? WHERE token_id = ?"),
                         (now, device_id, device.key_sha256, row.token_id))
        return EnrolmentRow(device_id, county, row.point, row.token_id, device.key_sha256,
                            device.key_storage, now, tuple(ranges))

    def _again(self, conn: Any, device_id: str) -> EnrolmentRow:
        """The enrolment a token made already, for the key that made it: unless the device
        was retired or removed since, which a second run must not undo."""
        active = conn.execute(self._sql("SELECT active FROM devices WHERE device_id = ?"),
                              (device_id,)).fetchone()
        if active is None or not active[0]:
            raise EnrolRefused(403, "device_retired", f"{device_id} was enrolled with this"
                               " token and has been retired; ask the province")
        row = conn.execute(self._sql(f"SELECT {ENROLMENT_COLUMNS} FROM enrolments"
                                     " WHERE device_id = ?"), (device_id,)).fetchone()
        return self._enrolment(conn, row)

    def _enrolment(self, conn: Any, row: tuple[Any, ...]) -> EnrolmentRow:
        ranges = conn.execute(self._sql("SELECT category, first, last FROM sequence_ranges"
                                        " WHERE device_id = ? ORDER BY first"),
                              (row[0],)).fetchall()
        device_id, county, point, token_id, key_sha256, storage, at = row
        return EnrolmentRow(device_id, county, point, token_id, key_sha256, storage, at,
                            tuple(SequenceRange(*r) for r in ranges))


class SqliteEnrolments(SqlEnrolments):
    """In the server's SQLite file, beside the device registry (one transaction covers both)."""

    def __init__(self, path: Path) -> None:
        from provincial_api.sqlite_db import ensure_schema, sqlite_connection

        self.path = path
        ensure_schema(path)  # the devices table, which an enrolment writes to
        with sqlite_connection(path) as conn:
            for table in TABLES:
                conn.execute(table)

    def _write(self) -> AbstractContextManager[Any]:
        from provincial_api.sqlite_db import sqlite_write

        return sqlite_write(self.path)

    def _read(self) -> AbstractContextManager[Any]:
        from provincial_api.sqlite_db import sqlite_connection

        return sqlite_connection(self.path)


class PgEnrolments(SqlEnrolments):
    """In the PostgreSQL database, over the registry's pool."""

    marker = "%s"

    def __init__(self, pool: Any) -> None:
        from provincial_api.pg_db import create_tables

        self.pool = pool
        create_tables(pool, TABLES)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK_KEY,))
            yield conn

    def _read(self) -> AbstractContextManager[Any]:
        return self.pool.connection()
