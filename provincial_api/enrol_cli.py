"""`provincial-api tokens issue|list`, `devices retire|reactivate`, and `serve`'s enrolment
options: what the province runs so a technician can enrol a machine alone.

A token is printed once and never again: the server keeps the SHA-256 of its secret only, so
a lost token is replaced, not recovered. It carries the fingerprint of the receipt key, which
is why `tokens issue` needs that key (the private PEM `serve` signs with, or its public half).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from central_api_client.contract import utc_now, utc_timestamp
from central_api_client.enrolment import (
    COUNTY_PATTERN,
    MAX_POINT_CHARS,
    MAX_TRUST_ROOT_BYTES,
    EnrolmentToken,
    secret_sha256,
)
from provincial_api.backend import Db, open_enrolments, open_registry, sqlite_path
from provincial_api.cli_options import db_option, require_db

DEV_SEAL_KEY_FILE = "province_x25519.dev-private.pem"
_DURATION = re.compile(r"^(\d{1,5})([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise click.BadParameter("a number and a unit: 30m, 48h, 7d")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _public_receipt_key(path: Path) -> Any:
    """The receipt key's public half from the private PEM or the public one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_pem_public_key,
    )

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read: {exc.strerror}") from None
    try:
        key: Any = load_pem_private_key(data, password=None).public_key() \
            if b"PRIVATE KEY" in data else load_pem_public_key(data)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise click.ClickException(f"{path}: not the province's Ed25519 receipt key (PEM)")
    return key


@click.group()
def tokens() -> None:
    """One-time enrolment tokens, each for one registration point of a county."""


@tokens.command("issue")
@click.option("--county", required=True, help="The county's 4-digit code (市县码).")
@click.option("--point", required=True, help="The registration point (报名点), as staff know it.")
@click.option("--expires", "expires", default="48h", show_default=True,
              help="How long the token may be used: 30m, 48h, 7d.")
@click.option("--receipt-key", "receipt_key", type=click.Path(dir_okay=False, path_type=Path),
              help="The receipt key `serve` signs with (private or public PEM); default: a"
              " development server's, beside its database.")
@db_option
def tokens_issue(county: str, point: str, expires: str, receipt_key: Path | None,
                 db: Db) -> None:
    """Issue a token and print it once (stdout); the province keeps only its hash."""
    from provincial_api.enrolment import TokenRow
    from provincial_api.serve_cli import dev_receipt_key_path

    if not re.fullmatch(COUNTY_PATTERN, county):
        raise click.ClickException("--county: a county code is 4 digits")
    point = point.strip()
    if not point or len(point) > MAX_POINT_CHARS or not point.isprintable():
        raise click.ClickException(f"--point: 1-{MAX_POINT_CHARS} printable characters")
    lifetime = parse_duration(expires)
    if receipt_key is None:
        receipt_key = dev_receipt_key_path(db)
        if not receipt_key.exists():
            raise click.ClickException("--receipt-key is required: the token carries the"
                                       " fingerprint of the key the server signs with")
    token = EnrolmentToken.new(_public_receipt_key(receipt_key))
    now = datetime.now(UTC)
    expires_at = utc_timestamp(now + lifetime)
    open_enrolments(db).issue(TokenRow(token.token_id, secret_sha256(token.secret), county,
                                       point, utc_timestamp(now), expires_at))
    click.echo(f"token {token.token_id} for county {county}, point {point!r}, valid until"
               f" {expires_at}; shown once (the province keeps only its hash):", err=True)
    click.echo(token.text())


@tokens.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def tokens_list(db: Db, as_json: bool) -> None:
    """Every token issued (never its secret): county, point, validity and use."""
    require_db(db)
    now = utc_now()
    for row in open_enrolments(db).tokens():
        if as_json:
            facts = {k: v for k, v in vars(row).items() if k != "secret_sha256"}
            click.echo(json.dumps({**facts, "state": row.state(now)}, ensure_ascii=False))
        else:
            click.echo(f"{row.token_id}\t{row.county_code}\t{row.point}\t{row.created_at}"
                       f"\tuntil {row.expires_at}\t{row.state(now)}")


def _set_active(active: bool) -> Callable[[str, Db], None]:
    def command(device_id: str, db: Db) -> None:
        require_db(db)
        if not open_registry(db).set_active(device_id, active):
            raise click.ClickException(f"{device_id}: not enrolled")
        click.echo(f"{device_id}: {'reactivated' if active else 'retired'}")
    return command


retire = click.Command(
    "retire", callback=_set_active(False), params=[click.Argument(["device_id"])],
    help="Retire a device: its requests are refused (`device_retired`) until reactivated; it"
    " keeps its id, key and sequence ranges, whose numbers are never handed out again.")
reactivate = click.Command(
    "reactivate", callback=_set_active(True), params=[click.Argument(["device_id"])],
    help="Accept a retired device's requests again.")
for _command in (retire, reactivate):
    db_option(_command)


def enrol_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """`serve`'s options for POST /v1/enrol."""
    f = click.option("--trust-root", type=click.Path(exists=True, dir_okay=False,
                                                     path_type=Path),
                     help="The signed-config trust root handed to enrolled kiosks (its bytes;"
                     " none: the answer's trust_root is null).")(f)
    f = click.option("--seal-public-key", type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
                     help="PEM of the province's X25519 public key, which kiosks seal records"
                     " to, handed out at enrolment. Without it enrolment is refused, except"
                     f" on a development server, which makes a pair beside its database"
                     f" ({DEV_SEAL_KEY_FILE}).")(f)
    f = click.option("--ranges", "ranges_path", type=click.Path(exists=True, dir_okay=False,
                                                                path_type=Path),
                     help="TOML of each county's sequence pools per subject category"
                     " (default: history 0001-4999, physics 5000-9999, 500 a device).")(f)
    return click.option("--allow-file-keys", is_flag=True,
                        help="DEVELOPMENT ONLY: enrol device keys kept in a file, not a TPM"
                        " (implied by --dev-enrol).")(f)


def enrol_settings(db: Db, *, dev: bool, ranges_path: Path | None,
                   seal_public_key: Path | None, trust_root: Path | None) -> Any:
    """The EnrolSettings `serve` runs with; ClickException for a file that cannot be used."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    from central_api_client.opening import SealError, load_public_pem
    from provincial_api.enrolment import EnrolSettings
    from provincial_api.ranges import RangesError, load_pools

    try:
        pools = load_pools(ranges_path)
        if seal_public_key is not None:
            seal = load_public_pem(seal_public_key, X25519PublicKey)
        else:
            seal = _dev_seal_key(db) if dev else None
    except (RangesError, SealError) as exc:
        raise click.ClickException(str(exc)) from None
    root = None
    if trust_root is not None:
        root = trust_root.read_bytes()
        if len(root) > MAX_TRUST_ROOT_BYTES:
            raise click.ClickException(f"--trust-root: larger than {MAX_TRUST_ROOT_BYTES} bytes")
    return EnrolSettings(pools, seal, allow_file_keys=dev, trust_root=root)


def _dev_seal_key(db: Db) -> Any:
    """DEVELOPMENT: the public half of `dev_seal_private_key`."""
    return dev_seal_private_key(db).public_key()


def dev_seal_private_key(db: Db) -> Any:
    """DEVELOPMENT: the province sealing pair beside the database (made once), so records of
    kiosks enrolled here can be opened with `provincial-api open --key` that file, and their
    candidate lookups opened by `serve`."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    from central_api_client.files import atomic_write
    from central_api_client.opening import load_private_pem

    path = sqlite_path(db)
    folder = path.parent if path is not None else Path(".")
    key_path = folder / DEV_SEAL_KEY_FILE
    if not key_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        made = X25519PrivateKey.generate()
        atomic_write(key_path, made.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                  NoEncryption()), mode=0o600,
                     keep_existing=True)
    return load_private_pem(key_path, X25519PrivateKey)
