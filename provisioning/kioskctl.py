"""`kioskctl`: what a technician runs on the machine.

Output is a readable table by default and JSON with `--json`, for scripts and remote support.
Never prints personal data: the kiosk only holds sealed records and their metadata. The one
exception is `idcard read`, which shows the card a technician has just placed (idcard_cli.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from kiosk.core.texts import sync_text
from kiosk.startup import OWNER_ONLY_UMASK, SIMULATE_ENV
from kiosk.store import OUTBOX_STATES, open_store
from kiosk.sync.status import read_status, record_export
from provisioning.audit_cli import audit
from provisioning.candidates_cli import candidates
from provisioning.config_cli import config_group
from provisioning.enrol_cli import enrol
from provisioning.idcard_cli import idcard
from provisioning.light_cli import light
from provisioning.machine import machine_config
from provisioning.numbers_cli import numbers
from provisioning.photo_cli import camera, photo
from provisioning.print_cli import a4, print_group
from provisioning.printer_cli import printer
from provisioning.selftest_cli import selftest
from provisioning.staff_cli import staff

console = Console()


def _config(config_path: Path | None, data_dir: Path | None, *, keys: bool = False):
    """The config in force, its data dir made owner-only; `keys`: the command loads keys, so
    development keys are refused without --simulate (provisioning.machine)."""
    return machine_config(config_path, data_dir, keys=keys)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--simulate", is_flag=True, envvar=SIMULATE_ENV, show_envvar=True,
              help="Allow simulated devices and development keys (development, tests).")
def cli(simulate: bool) -> None:
    """Technician commands for a registration kiosk."""
    os.umask(OWNER_ONLY_UMASK)  # whatever a command creates is the owner's only


@cli.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Machine config (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml, built-in).")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Override the data directory.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Device id, the configuration in force, and records per state."""
    config = _config(config_path, data_dir)
    with open_store(config) as store:
        counts = store.outbox.counts_by_state()
        usage = store.numbers.usage(config.device.county_code)
        category, first, last = config.sequence_range()
        remaining = store.numbers.remaining(config.device.county_code, first, last)
        oldest = store.outbox.oldest_unacknowledged_age_s()
        last_error = store.outbox.last_error()
        sync_state = read_status(store)
        disk_ok = store.disk_ok()
        disk_free = store.disk.free_bytes()
    report = {
        "device_id": config.device.id,
        "config_source": config.source,
        "config": config.as_dict(),
        "records": {state: counts.get(state, 0) for state in OUTBOX_STATES},
        "oldest_unacknowledged_age_s": oldest,
        "last_upload_error": last_error,
        "sync": {"status": sync_state.code, "words": sync_state.words(config.device.id)},
        "sequence": {**usage, "category": category, "first": first, "last": last,
                     "remaining": remaining},
        "disk_free_mb": round(disk_free / 2**20),
        "disk_ok": disk_ok,  # False: new sessions are refused (under storage.min_free_mb)
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
    top.add_row("sequence range", f"{config.device.county_code} {category or ''} "
                f"{first:04d}-{last:04d}, "
                f"{remaining} left, last {usage['last_number'] or '-'},"
                f" {usage['void']} voided")
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
    console.print(f"upload: {report['sync']['words']}")


_config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path),
    help="Machine config (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml, built-in).")
_data_dir_option = click.option("--data-dir", type=click.Path(path_type=Path),
                                help="Override the data directory.")


@cli.group()
def sync() -> None:
    """The upload of sealed records to the provincial API."""


def _sync_report(config, store) -> dict:
    from kiosk.seal import SealError
    from kiosk.sync.status import read_status
    from kiosk.sync.uploader import province_receipt_keys

    state = read_status(store)
    try:
        bad_receipts: list[str] | None = store.outbox.receipt_problems(
            province_receipt_keys(config))
    except SealError:
        bad_receipts = None  # no receipt key: nothing can be checked (and nothing uploads)
    words = state.words(config.device.id)
    if bad_receipts is None:
        words = sync_text("no_receipt_key")
    return {
        "device_id": config.device.id,
        "api": config.api.base_url,
        "records": store.outbox.counts_by_state(),
        "oldest_unacknowledged_age_s": store.outbox.oldest_unacknowledged_age_s(),
        "status": state.code if bad_receipts is not None else "no_receipt_key",
        "status_words": words,
        # Acknowledged records whose stored receipt does not verify with the receipt key:
        # their blobs are kept (never purged) until `kioskctl sync reconcile` settles them.
        "unproven_acknowledgements": None if bad_receipts is None else len(bad_receipts),
        "status_reason": state.reason,
        "status_at": state.at,
        "last_success_at": state.last_success_at,
        "clock_offset_s": state.clock_offset_s,
        "next_attempt_at": state.next_attempt_at,
        "last_record_error": store.outbox.last_error(),
    }


def _print_sync(report: dict) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("device id", report["device_id"])
    table.add_row("provincial API", report["api"])
    table.add_row("records", ", ".join(f"{k} {v}" for k, v in report["records"].items()))
    oldest = report["oldest_unacknowledged_age_s"]
    table.add_row("oldest waiting", "-" if oldest is None else f"{oldest:.0f} s")
    table.add_row("last success", report["last_success_at"] or "-")
    colour = "green" if report["status"] in ("ok", "never") else "red"
    table.add_row("status", f"[{colour}]{report['status_words']}[/{colour}]")
    if report["status_reason"]:
        table.add_row("reason", report["status_reason"])
    if report["last_record_error"]:
        err = report["last_record_error"]
        table.add_row("last record error", f"{err['error']} (attempts {err['attempts']})")
    if report["unproven_acknowledgements"]:
        table.add_row("receipts", f"[red]{report['unproven_acknowledgements']} acknowledged"
                      " record(s) have no receipt that verifies with the province's receipt"
                      " key: their blobs are kept; run `kioskctl sync reconcile`[/red]")
    console.print(table)


@sync.command("status")
@_config_option
@_data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def sync_status(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Records per state, the oldest waiting record's age and the last problem, in words."""
    from kiosk.store import open_store

    config = _config(config_path, data_dir, keys=True)
    with open_store(config) as store:
        report = _sync_report(config, store)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        _print_sync(report)


@sync.command("now")
@_config_option
@_data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def sync_now(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Upload everything waiting now, including records told to wait; exit 1 if any stayed.

    Safe beside the running uploader: uploads are idempotent by record id.
    """
    from kiosk.seal import SealError
    from kiosk.store import open_store
    from kiosk.sync import status as sync_state
    from kiosk.sync.drain import drain_once
    from kiosk.sync.uploader import after_drain, make_client

    config = _config(config_path, data_dir, keys=True)
    store = open_store(config)
    try:
        client = make_client(config, store)  # its requests carry the audit chain's head
    except SealError as exc:
        store.close()
        raise click.ClickException(f"no device key: {exc}") from None
    with store, client:
        released = store.outbox.release_waiting()
        store.settings.set(sync_state.NEXT_ATTEMPT_KEY, None)
        u = config.upload
        result = drain_once(store, client, u.batch_size, concurrency=u.concurrency,
                            records_per_request=u.records_per_request)
        after_drain(store, client, result)
        report = _sync_report(config, store)
    report.update(acknowledged_now=len(result.acknowledged), rejected_now=len(result.rejected),
                  released=released)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        console.print(f"uploaded {len(result.acknowledged)}, refused {len(result.rejected)}")
        _print_sync(report)
    if not result.ok:
        raise SystemExit(1)


@sync.command("reconcile")
@_config_option
@_data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def sync_reconcile(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Ask the province which of this machine's records it holds, and settle the outbox on its
    signed receipts: waiting records it holds become delivered, acknowledged ones it does not
    hold are sent again. Exit 1 if a purged record is not held (it cannot be sent again)."""
    from central_api_client.client import ApiError
    from kiosk.seal import SealError
    from kiosk.store import open_store
    from kiosk.sync.reconcile import reconcile
    from kiosk.sync.uploader import make_client

    config = _config(config_path, data_dir, keys=True)
    store = open_store(config)
    try:
        client = make_client(config, store)
    except (SealError, ValueError) as exc:
        store.close()
        raise click.ClickException(str(exc)) from None
    with store, client:
        try:
            result = reconcile(store, client)
        except ApiError as exc:
            raise click.ClickException(f"reconciliation failed: {exc}") from None
    counts = {"delivered_now": len(result.delivered_now),
              "receipts_renewed": len(result.receipts_renewed),
              "requeued": len(result.requeued), "lost": result.lost, "waiting": result.waiting}
    if as_json:
        click.echo(json.dumps(counts, indent=2))
    else:
        console.print(f"held by the province, now delivered here: {counts['delivered_now']};"
                      f" receipts renewed: {counts['receipts_renewed']}; not held there, queued"
                      f" again: {counts['requeued']}; still waiting: {counts['waiting']}")
        if result.lost:
            console.print(f"[red]{len(result.lost)} purged record(s) are not held by the"
                          " province and cannot be sent again: " + ", ".join(result.lost)
                          + "[/red]")
    if not result.ok:
        raise SystemExit(1)


@cli.command()
@click.option("--to", "target", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder on the USB drive or disc staging area.")
@_config_option
@_data_dir_option
def export(target: Path, config_path: Path | None, data_dir: Path | None) -> None:
    """Write every unacknowledged record as a signed bundle for `provincial-api import`.

    Records stay queued: the kiosk still uploads them when the network returns, and the
    province stores each once whichever way it arrives first.
    """
    from datetime import UTC, datetime

    from central_api_client.bundle import BundleWriter
    from central_api_client.contract import utc_timestamp
    from kiosk.seal import SealError, load_device_key
    from kiosk.store import open_store

    config = _config(config_path, data_dir, keys=True)
    try:
        key = load_device_key(config.keys_dir, config.devices.tpm)
    except SealError as exc:
        raise click.ClickException(f"no device key: {exc}") from None
    now = datetime.now(UTC)
    folder = target / f"{config.device.id}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    with open_store(config) as store:
        total = store.outbox.count_unacknowledged()
        try:
            writer = BundleWriter(folder, config.device.id, utc_timestamp(now))
        except OSError as exc:
            raise click.ClickException(f"cannot write to {target}: {exc.strerror}") from None
        with click.progressbar(store.outbox.unacknowledged(), length=total, label="exporting",
                               file=sys.stderr) as entries:
            for entry in entries:
                writer.add(entry.record)
        writer.finish(key)
        store.audit.append("records.exported", count=total, folder=folder.name)
        # The records are off the machine now: the upload freeze (if any) lifts.
        record_export(store)
    click.echo(f"{total} records exported to {folder}")


cli.add_command(audit)
cli.add_command(enrol)
cli.add_command(idcard)
cli.add_command(photo)
cli.add_command(camera)
cli.add_command(light)
cli.add_command(numbers)
cli.add_command(selftest)
cli.add_command(printer)
cli.add_command(a4)
cli.add_command(print_group)
cli.add_command(config_group)
cli.add_command(staff)

if __name__ == "__main__":
    cli()
cli.add_command(candidates)
