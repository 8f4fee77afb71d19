"""What `kiosk-admin fleet` reads of the province's database: read-only, on either backend.

The reference implementation's way for central admins to see the fleet is to read the server's
database (`--db`, as every `provincial-api` command takes it) rather than a new HTTP endpoint
that would need an admin credential of its own: the connection is opened read-only (SQLite's
`mode=ro`, PostgreSQL's `default_transaction_read_only`), so the tool can never change what
the server keeps, and it opens nothing the server has not made. One set of statements for both
backends (written with `?`; PostgreSQL's `%s` is substituted), like `enrol_store`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from central_api_client.heartbeat import Heartbeat
from provincial_api.backend import BackendError, scrub
from provincial_api.domain import HEARTBEAT_COLUMNS, heartbeat_seen

# Enrolment names devices HN-COUNTY-NNNN: a device added by hand without an enrolment still has
# a county when its id follows that form.
_COUNTY_IN_ID = re.compile(r"^HN-([0-9]{4})-[0-9]+$")


@dataclass(frozen=True)
class MachineFacts:
    """One machine as the province knows it; `heartbeat` None when it never sent one."""

    device_id: str
    active: bool
    county_code: str | None
    point: str | None
    heartbeat: Heartbeat | None
    received_at: str | None
    audit_problem: str | None  # "truncated" or "rewritten" (`domain.audit_head_problem`)
    records_today: int


class FleetReads:
    """The statements; a backend supplies `_read()`, a read-only DB-API connection."""

    marker = "?"

    @contextmanager
    def _read(self) -> Iterator[Any]:
        raise NotImplementedError
        yield

    def machines(self, since: str) -> list[MachineFacts]:
        """Every machine enrolled or heard from, by device id; `records_today` counts the
        records received at or after `since` (a UTC timestamp)."""
        with self._read() as conn:
            active = {row[0]: bool(row[1]) for row in
                      conn.execute("SELECT device_id, active FROM devices").fetchall()}
            where = {row[0]: (row[1], row[2]) for row in conn.execute(
                "SELECT device_id, county_code, point FROM enrolments").fetchall()}
            beats = {row[0]: heartbeat_seen(row) for row in conn.execute(
                f"SELECT {HEARTBEAT_COLUMNS} FROM heartbeats").fetchall()}
            problems = {row[0]: row[1] for row in conn.execute(
                "SELECT device_id, problem FROM audit_heads WHERE problem IS NOT NULL"
            ).fetchall()}
            counts = {row[0]: int(row[1]) for row in conn.execute(
                "SELECT device_id, count(*) FROM records WHERE received_at >= "
                f"{self.marker} GROUP BY device_id", (since,)).fetchall()}
        machines = []
        for device_id in sorted(set(active) | set(beats)):
            county, point = where.get(device_id, (None, None))
            if county is None and (match := _COUNTY_IN_ID.match(device_id)):
                county = match.group(1)
            seen = beats.get(device_id)
            machines.append(MachineFacts(
                device_id, active.get(device_id, False), county, point,
                seen.heartbeat if seen else None, seen.received_at if seen else None,
                problems.get(device_id), counts.get(device_id, 0)))
        return machines

    def close(self) -> None:
        """Nothing is held between reads."""


class SqliteFleetReads(FleetReads):
    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise BackendError(f"no database at {path}")
        self.path = path

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro", uri=True,
                               timeout=15.0)
        try:
            yield conn
        except sqlite3.Error as exc:
            raise BackendError(f"{self.path}: {exc}") from None
        finally:
            conn.close()


class PgFleetReads(FleetReads):
    marker = "%s"

    def __init__(self, url: str) -> None:
        self.url = url

    @contextmanager
    def _read(self) -> Iterator[Any]:
        from provincial_api.pg_db import import_psycopg

        psycopg = import_psycopg()
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10,
                                   options="-c default_transaction_read_only=on")
        except psycopg.Error as exc:
            raise BackendError(scrub(f"cannot read the database: {exc}", self.url)) from None
        try:
            yield conn
        except psycopg.Error as exc:
            raise BackendError(scrub(f"reading the database failed: {exc}", self.url)) from None
        finally:
            conn.close()
