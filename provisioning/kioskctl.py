"""`kioskctl`: what a technician runs on the machine.

Output is a readable table by default and JSON with `--json`, for scripts and remote support.
Never prints personal data: the kiosk only holds sealed records and their metadata.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from kiosk.config import ConfigError, load_config
from kiosk.store import OUTBOX_STATES, KioskStore

console = Console()


def _config(config_path: Path | None, data_dir: Path | None):
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    if data_dir is not None:
        config = replace(config, data_dir=data_dir)
    return config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Technician commands for a registration kiosk."""


@cli.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Machine config (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml, built-in).")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Override the data directory.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Device id, the configuration in force, and records per state."""
    config = _config(config_path, data_dir)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    with KioskStore(config.database_path) as store:
        counts = store.counts_by_state()
        usage = store.sequence_usage(config.device.county_code)
        remaining = store.sequence_remaining(
            config.device.county_code, config.sequence.first, config.sequence.last
        )
        oldest = store.oldest_unacknowledged_age_s()
        last_error = store.last_error()
    disk = shutil.disk_usage(config.data_dir)
    report = {
        "device_id": config.device.id,
        "config_source": config.source,
        "config": config.as_dict(),
        "records": {state: counts.get(state, 0) for state in OUTBOX_STATES},
        "oldest_unacknowledged_age_s": oldest,
        "last_upload_error": last_error,
        "sequence": {**usage, "remaining": remaining},
        "disk_free_mb": round(disk.free / 2**20),
    }
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    top = Table(show_header=False, box=None)
    top.add_row("device id", config.device.id)
    top.add_row("config", config.source)
    top.add_row("data dir", str(config.data_dir))
    top.add_row("provincial API", config.api.base_url)
    top.add_row("devices", ", ".join(f"{k}={v}" for k, v in config.as_dict()["devices"].items()))
    top.add_row("workflow", config.session.workflow)
    top.add_row("sequence range", f"{config.device.county_code} "
                f"{config.sequence.first:04d}-{config.sequence.last:04d}, "
                f"{remaining} left, last {usage['last_number'] or '-'}")
    top.add_row("disk free", f"{report['disk_free_mb']} MB")
    console.print(top)
    records = Table(title="records")
    records.add_column("state")
    records.add_column("count", justify="right")
    for state in OUTBOX_STATES:
        records.add_row(state, str(report["records"][state]))
    console.print(records)
    if oldest is not None:
        console.print(f"oldest unacknowledged record: {oldest:.0f} s old")
    if last_error:
        console.print(f"[red]last upload error:[/red] {last_error}")


if __name__ == "__main__":
    cli()
