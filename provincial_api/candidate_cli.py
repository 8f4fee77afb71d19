"""`provincial-api candidates`: load candidates' online data, and say how many are held."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from provincial_api.backend import Db, describe, open_candidates
from provincial_api.cli_options import db_option, require_db


@click.group()
def candidates() -> None:
    """Candidates' online-entered data, which kiosks look up for `confirm` and `adult-confirm`."""


@candidates.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def import_candidates(file: Path, db: Db) -> None:
    """Import FILE (.csv with a header row, or .json: a list of objects): every row checked,
    ID numbers' check digits too; one bad row imports nothing. A candidate imported again is
    replaced."""
    from central_api_client.contract import utc_now
    from central_api_client.logs import LogEvent, event
    from provincial_api.candidate_import import CandidateImportError, read_candidates_file

    try:
        rows = read_candidates_file(file)
    except CandidateImportError as exc:
        for problem in exc.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        raise click.ClickException(f"{file.name}: nothing imported"
                                   f" ({len(exc.problems)} problem(s) shown)") from None
    store = open_candidates(db)
    try:
        count = store.put_many(rows, utc_now())
    finally:
        store.close()
    event(logging.getLogger("provincial_api"), LogEvent.API_CANDIDATES_IMPORTED, count=count,
          db=describe(db))
    click.echo(f"imported {count} candidate(s) into {describe(db)}")


@candidates.command("count")
@db_option
def count_candidates(db: Db) -> None:
    """How many candidates are held, per exam."""
    require_db(db)
    store = open_candidates(db)
    try:
        counts = store.count()
    finally:
        store.close()
    for exam in sorted(counts):
        click.echo(f"{exam}\t{counts[exam]}")
    if not counts:
        click.echo("no candidates")


def candidate_opening_key(db: Db, path: Path | None, *, dev: bool) -> Any:
    """The X25519 private key `serve` opens candidate lookups with: `path`'s, or on a
    development server its sealing pair; None otherwise (the routes then refuse)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from central_api_client.opening import SealError, load_private_pem
    from provincial_api.enrol_cli import dev_seal_private_key

    try:
        if path is not None:
            return load_private_pem(path, X25519PrivateKey)
        return dev_seal_private_key(db) if dev else None
    except SealError as exc:
        raise click.ClickException(str(exc)) from None
