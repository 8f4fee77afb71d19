"""`kioskctl config update|status`: the signed central configuration on this machine.

`update` is what the `kiosk-config-update.timer` runs: one TUF refresh, the new bundle applied
(or refused, the last good one kept). `status` says which bundle is in force, until when, when
the updater last checked and why it last refused, in words.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from kiosk.central_config import central_dir, current_bundle
from kiosk.config import Config
from kiosk.core.schedule import Expiry, expiry_state
from kiosk.core.texts import config_update_text
from provisioning.machine import config_option, data_dir_option, json_option, machine_config


def _machine(config_path: Path | None, data_dir: Path | None) -> Config:
    return machine_config(config_path, data_dir)


def config_report(config: Config, now: datetime | None = None) -> dict[str, Any]:
    """What `config status` shows (and `--json` prints)."""
    from kiosk.sync.config_updater import read_update_status

    now = now or datetime.now(UTC)
    bundle = current_bundle(config)
    status = read_update_status(central_dir(config))
    code = status.get("code", "never" if config.config.trust_root else "not_configured")
    refusal = status.get("last_refusal")
    report: dict[str, Any] = {
        "repository": config.config.repository_url or None,
        "trust_root": config.config.trust_root or None,
        "version": bundle.version if bundle else None,
        "expires": bundle.expires.strftime("%Y-%m-%dT%H:%M:%SZ") if bundle else None,
        "expiry": expiry_state(bundle.expires, now, bundle.freeze.freeze_after_days,
                               bundle.freeze.on_expired).value if bundle else None,
        "checked_at": status.get("checked_at"),
        "last_ok_at": status.get("last_ok_at"),
        "status": code,
        "status_words": config_update_text(code),
        "detail": status.get("detail") or None,
        "last_refusal": None if refusal is None else {
            **refusal, "words": config_update_text(refusal["code"])},
        "stale": False,
    }
    if bundle is not None and status.get("last_ok_at"):
        last_ok = datetime.strptime(status["last_ok_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        report["stale"] = now - last_ok > timedelta(hours=bundle.freeze.stale_after_hours)
    return report


def _print(report: dict[str, Any]) -> None:
    version = f"v{report['version']}" if report["version"] else "none (kiosk.toml and defaults)"
    click.echo(f"bundle in force: {version}")
    if report["expires"]:
        note = "" if report["expiry"] == Expiry.VALID else f" ({report['expiry']})"
        click.echo(f"expires: {report['expires']}{note}")
    click.echo(f"repository: {report['repository'] or '-'}")
    click.echo(f"last check: {report['checked_at'] or 'never'}"
               f"; last success: {report['last_ok_at'] or 'never'}")
    click.echo(f"status: {report['status_words']}")
    if report["detail"]:
        click.echo(f"reason: {report['detail']}")
    refusal = report["last_refusal"]
    if refusal and refusal["code"] != report["status"]:
        click.echo(f"last refused {refusal['at']}: {refusal['words']}")
    if report["stale"]:
        click.echo("warning: no successful check for longer than the bundle allows")


@click.group("config")
def config_group() -> None:
    """The signed central configuration (TUF) on this machine."""


@config_group.command("update")
@config_option
@data_dir_option
@json_option
def config_update(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Check the configuration server now and apply a newer bundle; exit 1 when refused."""
    from kiosk.sync.config_updater import update_once

    config = _machine(config_path, data_dir)
    result = update_once(config)
    if as_json:
        click.echo(json.dumps({"status": result.code, "words": config_update_text(result.code),
                               "detail": result.detail or None, "version": result.version}))
    else:
        in_force = f" Bundle v{result.version} in force." if result.version else ""
        click.echo(config_update_text(result.code) + in_force)
        if result.detail:
            click.echo(f"reason: {result.detail}")
    if not result.ok:
        raise SystemExit(1)


@config_group.command("status")
@config_option
@data_dir_option
@json_option
def config_status(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """The bundle in force, its expiry, the last check and why the last update was refused."""
    report = config_report(_machine(config_path, data_dir))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print(report)
