"""`provincial-api`: run the reference server, print its contract, look at what it received."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import sys
from pathlib import Path
from typing import Any

import click
import yaml

DEFAULT_DB = Path("provincial-api.sqlite")
# Payload fields that are base64 binaries: shown as their size unless asked for.
BINARY_FIELDS = ("photo_jpeg", "signature_png")

_db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite file holding the received records.",
)


@click.group()
def cli() -> None:
    """Reference server of the provincial records API, and tools to inspect what it holds."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port (the URL printed says which).")
@_db_option
def serve(host: str, port: int, db: Path) -> None:
    """Serve the API until SIGTERM or Ctrl-C; prints the URL it listens on first."""
    import logging

    import uvicorn

    from kiosk.logs import event, setup_logging
    from provincial_api.app import create_app

    setup_logging()
    for handler in logging.getLogger().handlers:
        handler.addFilter(_drop_color_message)
    app = create_app(db)
    # Bind here rather than in uvicorn, so the printed URL names the real port even for --port 0.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if family == socket.AF_INET6 else host
    url = f"http://{shown_host}:{bound_port}"
    click.echo(f"provincial-api listening on {url}")
    sys.stdout.flush()
    event(logging.getLogger("provincial_api"), "api.listening", url=url, db=str(db))
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def _drop_color_message(record: Any) -> bool:
    """uvicorn adds an ANSI-coloured copy of each message; JSON logs want the plain one only."""
    record.__dict__.pop("color_message", None)
    return True


def openapi_document() -> dict[str, Any]:
    """The contract as the app states it; `central_api_client/openapi.yaml` must equal this."""
    from provincial_api.app import create_app

    return create_app(None).openapi()


def openapi_yaml() -> str:
    return yaml.safe_dump(openapi_document(), sort_keys=False, allow_unicode=True, width=100)


@cli.command()
def openapi() -> None:
    """Print the OpenAPI document (YAML). Refresh the committed copy with:

    provincial-api openapi > central_api_client/openapi.yaml
    """
    click.echo(openapi_yaml(), nl=False)


@cli.command("open")
@click.argument("record_id")
@click.option("--key", "key_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM file of the province's X25519 private key.")
@_db_option
@click.option("--with-binaries", is_flag=True,
              help="Print the photo and signature base64 instead of their sizes.")
def open_record(record_id: str, key_path: Path, db: Path, with_binaries: bool) -> None:
    """Decrypt one record and print its payload as JSON. Personal data: mind where it goes."""
    from kiosk.seal import SealError, load_private_key_file, open_sealed
    from provincial_api.storage import RecordStore

    _require_db(db)
    store = RecordStore(db)
    meta = store.get(record_id)
    blob = store.blob(record_id)
    if meta is None or blob is None:
        raise click.ClickException("no record with this id")
    if hashlib.sha256(blob).hexdigest() != meta.sha256:
        raise click.ClickException("stored blob does not match its sha256")
    try:
        payload = open_sealed(blob, load_private_key_file(key_path), expected_record_id=record_id)
    except SealError as exc:
        raise click.ClickException(str(exc)) from None
    if not with_binaries:
        for name in BINARY_FIELDS:
            value = payload.get(name)
            if isinstance(value, str):
                payload[name] = f"<{len(base64.b64decode(value))} bytes>"
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True))


@cli.command("list")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line instead of a table.")
def list_records(db: Path, as_json: bool) -> None:
    """List the records received (metadata only), oldest first."""
    from rich.console import Console
    from rich.table import Table

    from provincial_api.storage import RecordStore

    _require_db(db)
    records = RecordStore(db).all_records()
    if as_json:
        for record in records:
            click.echo(json.dumps(record.__dict__))
        return
    table = Table(title=f"{len(records)} records in {db}")
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


def _require_db(db: Path) -> None:
    """Reading commands must not create an empty database where the operator mistyped."""
    if not db.exists():
        raise click.ClickException(f"{db}: no such database")
