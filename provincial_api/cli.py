"""`provincial-api`: run the reference server, print its contract, look at what it received."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import socket
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
    sqlite_path,
)
from provincial_api.candidate_cli import candidate_opening_key, candidates
from provincial_api.cli_options import db_option, require_db
from provincial_api.enrol_cli import enrol_options, enrol_settings, reactivate, retire, tokens

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


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port (the URL printed says which).")
@db_option
@click.option("--dev-enrol", is_flag=True,
              help="DEVELOPMENT ONLY: enrol an unknown device on its first signed request,"
              " trusting the key it presents. Never on a real server.")
@click.option("--max-skew", default=300.0, show_default=True, type=click.FloatRange(1, 86400),
              help="Seconds a device's clock may differ from the server's.")
@click.option("--receipt-key", type=click.Path(dir_okay=False, path_type=Path),
              help="PEM of the province's Ed25519 receipt key, which signs every"
              " acknowledgement. Required, except with --dev-enrol, where a development key"
              " is made beside the database when missing (its public half: NAME.pub.pem).")
@click.option("--server-id", default="provincial-api", show_default=True,
              help="This server's name in the receipts it signs.")
@click.option("--authority", "authorities", multiple=True, metavar="HOST[:PORT]",
              help="A name this server answers to, as kiosks address it (repeatable; default:"
              " the address it listens on). Requests signed for another name are refused.")
@click.option("--tuf-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A `kiosk-admin` repository whose metadata/ and targets/ kiosks fetch the"
              " signed configuration from, at /tuf (nothing else of it is served).")
@click.option("--candidate-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM of the province's X25519 private key that opens kiosks' sealed"
              " candidate lookups (the pair of --seal-public-key). Without it the candidate"
              " routes are refused, except on a development server, which uses its pair.")
@click.option("--staff-ca", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM of the province's staff CA (`kiosk-admin staff-ca init`): a day report"
              " is kept only when a supervisor's card it issued signed it. Without it day"
              " reports are refused, except on a development server (signature only).")
@click.option("--busy-after", default=0.3, show_default=True, type=click.FloatRange(0, 60),
              help="Seconds of record uploads in progress (per process) beyond which others"
              " are answered 503 busy with an appointment to come back; 0: never.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port (PostgreSQL only): one Python process"
              " uses one core at a time. Each may open ~50 database connections under load:"
              " PostgreSQL's max_connections must allow workers x 50 and the tools.")
@enrol_options
def serve(host: str, port: int, db: Db, dev_enrol: bool, max_skew: float,
          receipt_key: Path | None, server_id: str, authorities: tuple[str, ...],
          tuf_repo: Path | None, candidate_key: Path | None, staff_ca: Path | None,
          allow_file_keys: bool, ranges_path: Path | None, seal_public_key: Path | None,
          trust_root: Path | None, busy_after: float, workers: int) -> None:
    """Serve the API until SIGTERM or Ctrl-C; prints the URL it listens on first."""
    import logging

    import uvicorn

    from central_api_client.logs import LogEvent, event, setup_logging
    from central_api_client.opening import SealError
    from provincial_api.app import create_app
    from provincial_api.auth import normal_authority
    from provincial_api.backend import is_postgres_url
    from provincial_api.receipt_signer import load_receipt_key
    from provincial_api.workers import STOP_GRACE_S

    if workers > 1 and not is_postgres_url(db):
        raise click.ClickException("--workers above 1 needs a PostgreSQL --db: processes"
                                   " sharing one SQLite file would wait on its write lock")
    setup_logging()
    for handler in logging.getLogger().handlers:
        handler.addFilter(_drop_color_message)
    if receipt_key is None:
        if not dev_enrol:
            raise click.ClickException("--receipt-key is required: every acknowledgement is"
                                       " signed with the province's receipt key")
        receipt_key = dev_receipt_key_path(db)
    try:
        key = load_receipt_key(receipt_key, create=dev_enrol)
    except SealError as exc:
        raise click.ClickException(str(exc)) from None
    enrolling = enrol_settings(db, dev=dev_enrol or allow_file_keys, ranges_path=ranges_path,
                               seal_public_key=seal_public_key, trust_root=trust_root)
    opener = candidate_opening_key(db, candidate_key, dev=dev_enrol or allow_file_keys)
    staff_ca_cert = _staff_ca(staff_ca)
    # Bind here rather than in uvicorn, so the printed URL names the real port even for --port 0.
    sock = listening_socket(host, port)
    family = sock.family
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if family == socket.AF_INET6 else host
    url = f"http://{shown_host}:{bound_port}"
    names = set(authorities) or {f"{shown_host}:{bound_port}"}
    if not authorities and host in ("127.0.0.1", "::1"):
        names.add(f"localhost:{bound_port}")

    def make_app() -> Any:
        try:
            return create_app(db, dev_enrol=dev_enrol, max_skew_s=max_skew, receipt_key=key,
                              server_id=server_id, enrol_settings=enrolling,
                              authorities=frozenset(normal_authority(n) for n in names),
                              tuf_repo=tuf_repo, candidate_key=opener, staff_ca=staff_ca_cert,
                              busy_after_s=busy_after)
        except BackendError as exc:
            raise click.ClickException(str(exc)) from None

    def run(app: Any, listening: socket.socket) -> None:
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=int(STOP_GRACE_S) - 1)
        uvicorn.Server(config).run(sockets=[listening])

    # One process: the app is made (its database reached) before the URL is printed. Several:
    # each worker makes its own after the fork, as a database pool and the group commit's
    # writer thread must not cross one.
    app = make_app() if workers == 1 else None
    click.echo(f"provincial-api listening on {url}"
               + (f" ({workers} worker processes)" if workers > 1 else ""))
    sys.stdout.flush()
    event(logging.getLogger("provincial_api"), LogEvent.API_LISTENING, url=url, db=describe(db),
          workers=workers)
    if app is not None:
        run(app, sock)
        return
    from provincial_api.workers import run_workers

    sys.exit(run_workers(workers, sock, lambda listening: run(make_app(), listening)))


def _staff_ca(path: Path | None) -> Any:
    """The staff CA certificate of `--staff-ca`, or a one-line refusal."""
    if path is None:
        return None
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        raise click.ClickException(f"--staff-ca {path}: not a PEM certificate") from None


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's bound TCP socket. Its proto is IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY
    only on accepted sockets whose proto says TCP, and without it each response waited ~40 ms
    on loopback (Nagle holding the body behind the headers until the client's delayed ACK)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    # Listening from now: a client that connects while the app is still being made waits in
    # the backlog rather than being refused (uvicorn listens again, with its own backlog).
    sock.listen(2048)
    return sock

def dev_receipt_key_path(db: Db) -> Path:
    """Where a development server keeps the receipt key it made: beside its SQLite file."""
    path = sqlite_path(db)
    folder = path.parent if path is not None else Path(".")
    from central_api_client.receipts import DEV_RECEIPT_KEY_FILE

    return folder / DEV_RECEIPT_KEY_FILE


def _drop_color_message(record: Any) -> bool:
    """uvicorn adds an ANSI-coloured copy of each message; JSON logs want the plain one only."""
    record.__dict__.pop("color_message", None)
    return True


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
cli.add_command(tokens)
cli.add_command(candidates)
