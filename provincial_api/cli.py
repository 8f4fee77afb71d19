"""`provincial-api`: run the reference server, print its contract, look at what it received."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from central_api_client.contract import utc_now
from provincial_api.backend import (
    BackendError,
    Db,
    describe,
    open_backend,
    open_enrolments,
    open_registry,
    open_store,
)
from provincial_api.candidate_cli import candidates
from provincial_api.cli_options import db_option, require_db
from provincial_api.enrol_cli import reactivate, retire, tokens
from provincial_api.serve_cli import serve

# Payload fields that are base64 binaries: shown as their size unless asked for.
BINARY_FIELDS = ("photo_jpeg", "signature_png")


class _Cli(click.Group):
    """Tells a database that cannot be used (no driver, unreachable) as a message, never a
    traceback, whichever command met it."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BackendError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Cli)
def cli() -> None:
    """Reference server of the provincial records API, and tools to inspect what it holds."""


def openapi_document() -> dict[str, Any]:
    """The contract as the app states it; `central_api_client/openapi.yaml` must equal this."""
    from provincial_api.app import create_app

    return create_app(None).openapi()


def openapi_yaml() -> str:
    text: str = yaml.safe_dump(openapi_document(), sort_keys=False, allow_unicode=True,
                               width=100)
    return text


@cli.command()
def openapi() -> None:
    """Print the OpenAPI document (YAML). Refresh the committed copy with:

    provincial-api openapi > central_api_client/openapi.yaml
    """
    click.echo(openapi_yaml(), nl=False)


@cli.command("open")
@click.argument("record_id")
@click.option("--device", "device_id", metavar="DEVICE_ID",
              help="Whose record of this id: needed when several devices hold one.")
@click.option("--key", "key_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM file of the province's X25519 private key.")
@db_option
@click.option("--with-binaries", is_flag=True,
              help="Print the photo and signature base64 instead of their sizes.")
def open_record(record_id: str, device_id: str | None, key_path: Path, db: Db,
                with_binaries: bool) -> None:
    """Decrypt one record and print its payload as JSON. Personal data: mind where it goes.

    Nothing is shown unless the record verifies with its device's key in the registry, opens
    for its own record id and device, and its payload names both (`provincial_api.held`).
    """
    from central_api_client.opening import SealError, load_private_key_file
    from provincial_api.held import NotOpened, open_held

    require_db(db)
    try:
        province_key = load_private_key_file(key_path)
        store, registry = open_backend(db)
        payload = open_held(store, registry, record_id, device_id, province_key)
    except (SealError, NotOpened) as exc:
        raise click.ClickException(str(exc)) from None
    if not with_binaries:
        for name in BINARY_FIELDS:
            value = payload.get(name)
            if isinstance(value, str):
                payload[name] = f"<{len(base64.b64decode(value))} bytes>"
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True))
    review_flags(payload)


def review_flags(payload: dict[str, object]) -> None:
    """A record staff handled (payload version 2's `exception` block) says so in one line on
    stderr, for whoever reviews it: its case and flags (entered by hand, the city's review,
    pending the county's approval, a copy taken, fields for central correction)."""
    block = payload.get("exception")
    if not isinstance(block, dict):
        return
    flags = block.get("flags")
    names = [str(f) for f in flags] if isinstance(flags, list) else []
    click.echo(f"exception: {block.get('case') or 'dispute'}; flags: {', '.join(names) or '-'}",
               err=True)


@cli.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line instead of a table.")
def list_records(db: Db, as_json: bool) -> None:
    """List the records received (metadata only), oldest first."""
    from rich.console import Console
    from rich.table import Table

    require_db(db)
    records = open_store(db).all_records()
    if as_json:
        for record in records:
            click.echo(json.dumps(dataclasses.asdict(record)))
        return
    table = Table(title=f"{len(records)} records in {describe(db)}")
    # Nothing is cut short: the record id is what `provincial-api open` is given next.
    table.add_column("record_id", no_wrap=True, min_width=36)
    for column in ("device_id", "workflow", "created_at", "size", "received_at"):
        table.add_column(column, justify="right" if column == "size" else "left", overflow="fold")
    for r in records:
        table.add_row(r.record_id, r.device_id, r.workflow, r.created_at, str(r.size),
                      r.received_at)
    console = Console()
    if not console.is_terminal:  # a pipe or a log file: no reason to squeeze into 80 columns
        console.width = max(console.width, 140)
    console.print(table)


@cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
def import_bundle(folder: Path, db: Db) -> None:
    """Verify and store a kiosk's export bundle (`kioskctl export`) from removable media.

    The manifest must be signed by the enrolled key of the device it names (the registry's,
    never a key the bundle carries), and every record carries its own device signature,
    checked against that key as the API checks an upload, and must name that device. A record
    already held from this device (uploaded, or imported before) is stored once; the kiosk
    still uploads it later and gets the same acknowledgement. Another device's record of the
    same id is another record.
    """
    from central_api_client.bundle import BundleError
    from provincial_api.bundle_import import import_bundle as store_bundle

    try:
        store, registry = open_backend(db)
        device_id, counts = store_bundle(folder, store, registry,
                                         lambda line: click.echo(line, err=True))
    except BundleError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"device_id": device_id, **counts}))
    if counts["refused"]:
        sys.exit(1)


@cli.group()
def devices() -> None:
    """The device registry: which kiosks may upload, by their public keys (Ed25519 or P-256)."""


@devices.command("add")
@click.argument("device_id")
@click.option("--public-key", "key_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM file of the device's public key: its TPM's P-256 key"
                   " (device_p256.pub.pem), or a development kiosk's Ed25519 one.")
@db_option
def devices_add(device_id: str, key_path: Path, db: Db) -> None:
    """Enrol a device so its signed requests are accepted."""

    from central_api_client.contract import is_device_id
    from provincial_api.domain import DeviceExistsError, canonical_device_key

    if not is_device_id(device_id):
        raise click.ClickException("device id has characters the API does not accept")
    try:
        key = canonical_device_key(key_path.read_bytes())
    except ValueError:
        raise click.ClickException(f"{key_path}: not an Ed25519 or P-256 public key (PEM)") \
            from None
    try:
        added = open_registry(db).add(device_id, key, utc_now(), "operator")
    except DeviceExistsError as exc:
        raise click.ClickException(f"{exc}; remove it first to change its key") from None
    click.echo(f"{device_id}: {'enrolled' if added else 'already enrolled with this key'}")


@devices.command("remove")
@click.argument("device_id")
@db_option
def devices_remove(device_id: str, db: Db) -> None:
    """Delete a device from the registry: its requests are refused as from an unknown device
    (`retire` keeps it, refused as retired; a token's sequence ranges stay taken either way)."""
    require_db(db)
    if not open_registry(db).remove(device_id):
        raise click.ClickException(f"{device_id}: not enrolled")
    click.echo(f"{device_id}: removed")


@devices.command("list")
@db_option
def devices_list(db: Db) -> None:
    """Enrolled devices: active or RETIRED, how each was enrolled (operator, enrolment or
    dev-enrol), the head of its audit chain as last reported (a chain that shrank or was
    rewritten is flagged) and, for a token's enrolment, its county and point."""
    require_db(db)
    registry = open_registry(db)
    heads = registry.audit_heads()
    enrolled = open_enrolments(db).enrolments()
    for device in registry.all():
        fingerprint = hashlib.sha256(device.public_key).hexdigest()[:16]
        seen = heads.get(device.device_id)
        audit = "audit -" if seen is None else f"audit {seen.count}:{seen.head[:12]}"
        if seen is not None and seen.problem:
            audit += f" {seen.problem.upper()} (audit log {seen.problem} on the machine)"
        place = enrolled.get(device.device_id)
        where = f"\t{place.county_code} {place.point}" if place else ""
        state = "active" if device.active else "RETIRED"
        click.echo(f"{device.device_id}\t{state}\t{device.enrolled_by}\t{device.enrolled_at}"
                   f"\tkey sha256 {fingerprint}\t{audit}{where}")


devices.add_command(retire)
devices.add_command(reactivate)
cli.add_command(serve)
cli.add_command(tokens)
cli.add_command(candidates)
