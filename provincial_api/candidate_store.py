"""Candidates' online data at the province, in SQL for both backends (like `enrol_store`).

One row per (exam, ID number): the candidate's wire JSON beside the county and point it is
looked up and listed by. An import replaces what a candidate had (they may edit online until
confirmation), all rows of one file in one transaction. Where a device stands (its county and
point) comes from its enrolment; a device enrolled without a token (an operator's `devices add`,
development trust on first use) stands in the county its id names (`HN-CCCC-NNNN`) and at no
point, so it gets no roster.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from central_api_client.candidates import Candidate, parse_candidate
from provincial_api.enrol_store import TABLES as ENROL_TABLES

TABLE = """CREATE TABLE IF NOT EXISTS candidates (
    exam TEXT NOT NULL,
    id_number TEXT NOT NULL,
    county_code TEXT NOT NULL,
    point TEXT NOT NULL,
    body TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (exam, id_number)
)"""
INDEX = "CREATE INDEX IF NOT EXISTS candidates_by_point ON candidates (exam, county_code, point)"
_COUNTY_IN_ID = re.compile(r"^HN-([0-9]{4})-[0-9]{4}$")


@dataclass(frozen=True)
class Standing:
    """Where a device serves: its county, and its point when a token named one."""

    county_code: str | None
    point: str | None


def _body(candidate: Candidate) -> str:
    return json.dumps(candidate.to_wire(), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


class SqlCandidates:
    marker = "?"

    def _write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement if self.marker == "?" else statement.replace("?", self.marker)

    def close(self) -> None:
        """Nothing held open between calls."""

    def put_many(self, candidates: list[Candidate], at: str) -> int:
        """Store (or replace) every candidate, together; how many rows were written."""
        sql = self._sql("INSERT INTO candidates (exam, id_number, county_code, point, body,"
                        " imported_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (exam, id_number)"
                        " DO UPDATE SET county_code = excluded.county_code,"
                        " point = excluded.point, body = excluded.body,"
                        " imported_at = excluded.imported_at")
        with self._write() as conn:
            for c in candidates:
                conn.execute(sql, (c.exam, c.id_number, c.county_code, c.point, _body(c), at))
        return len(candidates)

    def find(self, exam: str, id_number: str, county_code: str) -> Candidate | None:
        """The candidate of this county with this number, else None (whether or not the
        number is another county's)."""
        with self._read() as conn:
            row = conn.execute(self._sql("SELECT body FROM candidates WHERE exam = ? AND"
                                         " id_number = ? AND county_code = ?"),
                               (exam, id_number, county_code)).fetchone()
        return None if row is None else parse_candidate(json.loads(row[0]))

    def of_point(self, exam: str, county_code: str, point: str) -> list[Candidate]:
        with self._read() as conn:
            rows = conn.execute(self._sql("SELECT body FROM candidates WHERE exam = ? AND"
                                          " county_code = ? AND point = ? ORDER BY id_number"),
                                (exam, county_code, point)).fetchall()
        return [parse_candidate(json.loads(row[0])) for row in rows]

    def count(self) -> dict[str, int]:
        with self._read() as conn:
            rows = conn.execute("SELECT exam, count(*) FROM candidates GROUP BY exam").fetchall()
        return {exam: n for exam, n in rows}

    def standing(self, device_id: str) -> Standing:
        """Where the device serves (see the module's docstring)."""
        with self._read() as conn:
            row = conn.execute(self._sql("SELECT county_code, point FROM enrolments"
                                         " WHERE device_id = ?"), (device_id,)).fetchone()
        if row is not None:
            return Standing(row[0], row[1])
        match = _COUNTY_IN_ID.fullmatch(device_id)
        return Standing(match.group(1) if match else None, None)


class SqliteCandidates(SqlCandidates):
    def __init__(self, path: Path) -> None:
        from provincial_api.sqlite_db import ensure_schema, sqlite_connection

        self.path = path
        ensure_schema(path)
        with sqlite_connection(path) as conn:
            for table in (*ENROL_TABLES, TABLE, INDEX):
                conn.execute(table)

    def _write(self) -> AbstractContextManager[Any]:
        from provincial_api.sqlite_db import sqlite_write

        return sqlite_write(self.path)

    def _read(self) -> AbstractContextManager[Any]:
        from provincial_api.sqlite_db import sqlite_connection

        return sqlite_connection(self.path)


class PgCandidates(SqlCandidates):
    marker = "%s"

    def __init__(self, pool: Any) -> None:
        from provincial_api.pg_db import create_tables

        self.pool = pool
        create_tables(pool, (*ENROL_TABLES, TABLE, INDEX))

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    def _read(self) -> AbstractContextManager[Any]:
        return self.pool.connection()
