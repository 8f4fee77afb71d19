"""What the `provincial-api` commands share: the `--db` option and its checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from provincial_api.backend import Db, is_postgres_url, sqlite_path

DEFAULT_DB = Path("provincial-api.sqlite")


class DbParam(click.ParamType):
    """`--db`: a PostgreSQL URL as given, anything else a SQLite file checked as before."""

    name = "PATH|URL"
    _sqlite = click.Path(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Db:
        if is_postgres_url(value):
            return str(value)
        return self._sqlite.convert(value, param, ctx)


db_option = click.option(
    "--db",
    type=DbParam(),
    default=DEFAULT_DB,
    show_default=True,
    help="Where the received records are: a SQLite file, or a PostgreSQL database given as"
    " postgresql://USER:PASSWORD@HOST:PORT/DBNAME (needs the postgres extra).",
)


def require_db(db: Db) -> None:
    """Reading commands must not create an empty database where the operator mistyped.

    A SQLite file only: PostgreSQL creates no database on connecting, it refuses a wrong name.
    """
    path = sqlite_path(db)
    if path is not None and not path.exists():
        raise click.ClickException(f"{path}: no such database")
