"""`kiosk-admin repo ...`: make the repository, sign what waits, renew the timestamp, rotate
the root. Each command says what is still missing, so admins at different places know who must
sign next; no command prints a passphrase or a private key."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import click

from provisioning.admin.keys import (
    KeyFileError,
    load_public,
    load_signer,
    passphrase_from,
)
from provisioning.admin.repository import ONLINE_KEY, Repository, RepositoryError

T = TypeVar("T")
_DURATION = re.compile(r"([0-9]+)([smhd])\Z")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

repo_dir = click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
root_keys_option = click.option(
    "--root-key", "root_keys", multiple=True, required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An admin's public key file (NAME.pub); repeat for each admin.")
threshold_option = click.option("--threshold", type=int, required=True,
                                help="How many of these admins must sign root and config.")
passphrase_option = click.option(
    "--passphrase-file", type=click.Path(dir_okay=False, path_type=Path),
    help="Read the key's passphrase from this file's first line instead of asking.")


def duration(text: str) -> timedelta:
    """'30d', '12h', '90m', '45s' as a timedelta (click errors name the option)."""
    m = _DURATION.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise click.BadParameter(f"{text!r}: a positive number and s, m, h or d (e.g. 30d)")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


def report(repo: Repository, published: list[str]) -> None:
    for item in published:
        click.echo(f"published {item}")
    for _role, gap in repo.missing().items():
        if gap:
            click.echo(f"waiting: {gap}")


def run(action: Callable[[], T]) -> T:
    """Turn the repository's and the key files' errors into a one-line exit 1."""
    try:
        return action()
    except (RepositoryError, KeyFileError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def repo() -> None:
    """The TUF repository of the kiosks' configuration."""


@repo.command("init")
@repo_dir
@root_keys_option
@threshold_option
def repo_init(repo_dir: Path, root_keys: tuple[Path, ...], threshold: int) -> None:
    """A new repository whose root and configuration need THRESHOLD of these admins."""
    repository = Repository(repo_dir)
    keys = run(lambda: [load_public(p) for p in root_keys])
    run(lambda: repository.init(keys, threshold))
    click.echo(f"repository made in {repo_dir}: root v1 and an empty targets wait for"
               f" {threshold} of {len(keys)} admins (`kiosk-admin repo sign`).")
    click.echo(f"WARNING: {repository.online_keys / ONLINE_KEY} is the online timestamp and"
               " snapshot key, unencrypted: keep it on the publishing server only"
               " (see README.txt beside it).", err=True)


@repo.command("sign")
@repo_dir
@click.option("--key", "key_path", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Your private key file (NAME.key).")
@passphrase_option
def repo_sign(repo_dir: Path, key_path: Path, passphrase_file: Path | None) -> None:
    """Add your signature to the staged root and configuration; publish what is complete."""
    repository = Repository(repo_dir)
    phrase = passphrase_from(passphrase_file, confirm=False, what=str(key_path))
    signer = run(lambda: load_signer(key_path, phrase))
    signed = run(lambda: repository.sign(signer))
    click.echo("signed: " + (", ".join(signed) if signed else
                             "nothing (already signed, or this key may not sign what waits)"))
    report(repository, run(repository.publish_ready))


@repo.command("status")
@repo_dir
def repo_status(repo_dir: Path) -> None:
    """What is published, and what waits for which signatures."""
    repository = Repository(repo_dir)
    root, targets = repository.root(), repository.published_targets()
    click.echo(f"root: {f'v{root.signed.version}' if root else 'none published'}")
    click.echo(f"targets: {f'v{targets.signed.version}' if targets else 'none published'}")
    report(repository, [])


@repo.command("timestamp")
@repo_dir
@click.option("--expires", "valid_for", default="1d", show_default=True,
              help="How long the new timestamp is valid (kiosks refuse it after: freeze).")
def repo_timestamp(repo_dir: Path, valid_for: str) -> None:
    """Re-sign timestamp.json with the online key (run by a timer, well within --expires)."""
    version = run(lambda: Repository(repo_dir).timestamp(duration(valid_for)))
    click.echo(f"timestamp v{version}, valid for {valid_for}")


@repo.command("rotate-root")
@repo_dir
@root_keys_option
@threshold_option
def repo_rotate_root(repo_dir: Path, root_keys: tuple[Path, ...], threshold: int) -> None:
    """Stage a new root with these admins: it needs the old threshold of the old admins and
    the new threshold of the new ones, and the configuration is re-signed by the new ones."""
    repository = Repository(repo_dir)
    keys = run(lambda: [load_public(p) for p in root_keys])
    version = run(lambda: repository.rotate_root(keys, threshold))
    click.echo(f"root v{version} staged: old and new admins now `kiosk-admin repo sign`.")
    report(repository, [])
