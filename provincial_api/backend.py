"""Where the reference server keeps its data: the one place that reads a `--db` string.

`--db` is a SQLite file (the default: pilots, demos, tests) or a `postgresql://` URL (a real
deployment). Everything else — the app, the CLI — asks this module for a store and a registry
(the Protocols of `domain`) and never knows which database is behind them, so there is one
server, not one per database.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:  # the adapters are imported when opened: `provincial-api --help` stays quick
    from provincial_api.candidate_store import SqlCandidates
    from provincial_api.domain import Registry, Store
    from provincial_api.enrolment import EnrolmentBook
    from provincial_api.fleet_reads import FleetReads

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
MASK = "***"

# A database is named by a SQLite path or by a PostgreSQL URL (a str starting with a scheme).
Db = str | Path


class BackendError(Exception):
    """The database cannot be used (driver missing, server unreachable): a message for an
    operator, with any password masked, never a traceback."""


def is_postgres_url(db: Db) -> bool:
    return isinstance(db, str) and db.lower().startswith(POSTGRES_SCHEMES)


def sqlite_path(db: Db) -> Path | None:
    """The SQLite file `db` names, or None when it is a PostgreSQL URL."""
    return None if is_postgres_url(db) else Path(db)


def open_backend(db: Db) -> tuple[Store, Registry]:
    """The store and the registry over one database (on PostgreSQL, sharing one pool)."""
    path = sqlite_path(db)
    if path is not None:
        from provincial_api.sqlite_registry import SqliteRegistry
        from provincial_api.sqlite_store import SqliteStore

        return SqliteStore(path), SqliteRegistry(path)
    from provincial_api.pg_db import Pool
    from provincial_api.pg_registry import PgRegistry
    from provincial_api.pg_store import PgStore

    pool = Pool(str(db))
    return PgStore(pool), PgRegistry(pool)


def open_store(db: Db) -> Store:
    path = sqlite_path(db)
    if path is not None:
        from provincial_api.sqlite_store import SqliteStore

        return SqliteStore(path)
    from provincial_api.pg_db import Pool
    from provincial_api.pg_store import PgStore

    return PgStore(Pool(str(db)))


def open_registry(db: Db) -> Registry:
    path = sqlite_path(db)
    if path is not None:
        from provincial_api.sqlite_registry import SqliteRegistry

        return SqliteRegistry(path)
    from provincial_api.pg_db import Pool
    from provincial_api.pg_registry import PgRegistry

    return PgRegistry(Pool(str(db)))


def open_enrolments(db: Db) -> EnrolmentBook:
    """Enrolment tokens and the ranges handed out, in the same database as the registry."""
    path = sqlite_path(db)
    if path is not None:
        from provincial_api.enrol_store import SqliteEnrolments

        return SqliteEnrolments(path)
    from provincial_api.enrol_store import PgEnrolments
    from provincial_api.pg_db import Pool

    return PgEnrolments(Pool(str(db)))


def open_candidates(db: Db) -> SqlCandidates:
    """Candidates' online data (`provincial-api candidates import`), beside the enrolments
    that say where each device serves."""
    path = sqlite_path(db)
    if path is not None:
        from provincial_api.candidate_store import SqliteCandidates

        return SqliteCandidates(path)
    from provincial_api.candidate_store import PgCandidates
    from provincial_api.pg_db import Pool

    return PgCandidates(Pool(str(db)))


def open_fleet_reads(db: Db) -> FleetReads:
    """A read-only view of the fleet (`kiosk-admin fleet`): never creates or changes anything."""
    path = sqlite_path(db)
    if path is not None:
        from provincial_api.fleet_reads import SqliteFleetReads

        return SqliteFleetReads(path)
    from provincial_api.fleet_reads import PgFleetReads

    return PgFleetReads(str(db))


def describe(db: Db) -> str:
    """`db` as it may be shown in output and logs: a URL's password masked."""
    return mask_url(str(db)) if is_postgres_url(db) else str(db)


def mask_url(url: str) -> str:
    """The URL with its password (in the user part or a `password=` parameter) as ***.

    Parsed loosely, as libpq does, not by urllib (which drops an empty host and stops the user
    part at a '?'): when in doubt more is masked, never less.
    """
    scheme, userinfo, rest = _split(url)
    if userinfo is not None:
        user, colon, _ = userinfo.partition(":")
        rest = (f"{user}:{MASK}" if colon else user) + rest
    base, question, query = rest.partition("?")
    if question:
        query = "&".join(f"password={MASK}" if _is_password(item) else item
                         for item in query.split("&"))
    return scheme + base + question + query


def scrub(text: str, url: str) -> str:
    """`text` (a driver's error message, say) with every password that `url` holds masked."""
    for secret in _passwords(url):
        text = text.replace(secret, MASK)
    return text


def _split(url: str) -> tuple[str, str | None, str]:
    """(scheme://, the user part before the host's '@' or None, the rest from that '@')."""
    scheme, sep, rest = url.partition("://")
    slash = rest.find("/")
    at = rest.rfind("@", 0, slash if slash >= 0 else len(rest))
    if at < 0:
        return scheme + sep, None, rest
    return scheme + sep, rest[:at], rest[at:]


def _is_password(item: str) -> bool:
    return item.partition("=")[0].strip().lower() == "password"


def _passwords(url: str) -> Iterable[str]:
    _, userinfo, rest = _split(url)
    found = [userinfo.partition(":")[2]] if userinfo and ":" in userinfo else []
    found += [item.partition("=")[2] for item in rest.partition("?")[2].split("&")
              if _is_password(item)]
    for secret in found:
        yield from {secret, unquote(secret)} - {""}
