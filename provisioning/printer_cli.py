"""`kioskctl printer status|test`: is the receipt printer ready, and does what it prints read?

Both exit with status 1 unless the printer is ready, with one line saying why (paper out,
cover open, offline and where), since finding that out is why a technician runs them.
`status --json` is for scripts: `{"ok": bool, "code": null | "paper_out" | "cover_open" |
"offline", "paper": "ok" | "near_end" | "out", "detail": str}`. A near-end roll is ready
(exit 0) with a warning. The test slip carries no candidate data: the kiosk's title, the
device id, the time and a QR code of the device id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # imported when a command runs, so that `kioskctl --help` stays quick
    from hardware.printer import Printer, PrinterStatus
    from kiosk.config import Config

_device = click.option("--device", "uri", help="Printer URI, e.g. escpos-tcp://192.0.2.10:9100 "
                       "(default: devices.printer of the config).")
_config = click.option("--config", "config_path", type=click.Path(path_type=Path),
                       help="Machine config.")

_PAPER_WORDS = {"ok": "paper ok", "near_end": "paper near end: load a new roll soon",
                "out": "paper out"}


def _open(uri: str | None, config_path: Path | None) -> tuple[Config, str, Printer]:
    from hardware.printer import open_printer
    from kiosk.config import ConfigError, load_config
    from kiosk.fonts import cjk_font_path

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    uri = uri or config.devices.printer
    try:
        return config, uri, open_printer(uri, config.sim_dir, cjk_font_path())
    except ValueError as exc:
        raise click.ClickException(f"device: {exc}") from None


def _line(uri: str, status: PrinterStatus) -> str:
    if status.ok:
        return f"printer {uri}: ready, {_PAPER_WORDS[status.paper]}"
    return f"printer {uri}: not ready: {status.code} ({status.detail})"


@click.group()
def printer() -> None:
    """The receipt printer (ESC/POS over TCP, USB or serial)."""


@printer.command("status")
@_device
@_config
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a line.")
def printer_status(uri: str | None, config_path: Path | None, as_json: bool) -> None:
    """Ask the printer how it is (DLE EOT); exit 1 unless it is ready."""
    _, uri, dev = _open(uri, config_path)
    status = dev.status()
    if as_json:
        click.echo(json.dumps({"ok": status.ok, "code": status.code, "paper": status.paper,
                               "detail": status.detail}))
    else:
        click.echo(_line(uri, status))
    if not status.ok:
        raise SystemExit(1)


@printer.command("test")
@_device
@_config
def printer_test(uri: str | None, config_path: Path | None) -> None:
    """Print a test slip (title, device id, time, QR code of the device id); exit 1 if not ready."""
    from datetime import datetime

    from hardware.printer import PrinterError
    from kiosk.core.steps import CHINA_TZ

    config, uri, dev = _open(uri, config_path)
    try:
        after = dev.print_test_receipt(config.device.id, datetime.now(CHINA_TZ))
    except PrinterError as exc:
        raise click.ClickException(f"printer {uri}: not printed: {exc.code} ({exc.detail})") \
            from None
    click.echo(f"printer {uri}: test slip printed for {config.device.id}; "
               f"{_PAPER_WORDS[after.paper]}")
