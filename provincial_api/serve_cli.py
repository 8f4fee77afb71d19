"""`provincial-api serve`: the reference server, as the province runs it (options, keys, the
listening socket, one process or several)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import click

from provincial_api.backend import BackendError, Db, describe, sqlite_path
from provincial_api.candidate_cli import candidate_opening_key
from provincial_api.cli_options import db_option
from provincial_api.enrol_cli import enrol_options, enrol_settings


@click.command()
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
              help="Seconds of record-upload work (per process, at the rate it measured)"
              " beyond which other uploads are answered 503 busy with an appointment to come"
              " back; 0: never.")
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
