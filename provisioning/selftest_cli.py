"""`kioskctl selftest [--json]`: what a technician runs after installing a machine.

One report, a line per part (ID reader and SAM, camera, fill light, receipt printer, A4 queue,
disk, clock, the provincial API and this device's acceptance, signed configuration, staff CA),
each ok / warn / fail with what to do. Exit 1 when any part fails, so a script (or the
installer) can stop there. The verdicts are `kiosk.core.readiness`'s; the facts `selftest`'s.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from provisioning.machine import config_option, json_option

_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


@click.command("selftest")
@config_option
@click.option("--camera-seconds", type=click.FloatRange(min=0.2), default=1.5,
              show_default=True, help="How long to watch the camera.")
@json_option
def selftest(config_path: Path | None, camera_seconds: float, as_json: bool) -> None:
    """Check every part of this machine; exit 1 when any part fails."""
    from kiosk.config import ConfigError, load_config
    from kiosk.core.readiness import Check, overall
    from provisioning import selftest as parts
    from provisioning.machine import open_machine, simulating

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    if simulating():
        from kiosk.config import simulated_devices

        config = simulated_devices(config)
    open_machine(config)
    checks: list[Check] = []
    for part, check in (
        ("ID card reader", lambda: parts.check_idcard(config)),
        ("camera", lambda: parts.check_camera(config, camera_seconds)),
        ("fill light", lambda: parts.check_light(config)),
        ("receipt printer", lambda: parts.check_printer(config)),
        ("A4 printer", lambda: parts.check_a4(config)),
        ("disk", lambda: parts.check_disk(config)),
        ("provincial API", lambda: parts.check_server(config)),
        ("device key", lambda: parts.check_device_key(config)),
        ("enrolment", lambda: parts.check_enrolment(config, simulating())),
        ("signed configuration", lambda: parts.check_signed_config(config)),
        ("staff CA", lambda: parts.check_staff_ca(config)),
        ("staff card reader", lambda: parts.check_staff_reader(config)),
    ):
        checks += parts.guarded(part, check)
    checks = parts.simulated(checks, config)
    verdict = overall(checks)
    if as_json:
        click.echo(json.dumps({"ok": verdict != "fail", "overall": verdict,
                               "device_id": config.device.id,
                               "checks": [c.as_dict() for c in checks]},
                              ensure_ascii=False, indent=2, default=str))
    else:
        table = Table(title=f"self-test of {config.device.id}")
        for column in ("part", "", "state", "what to do"):
            table.add_column(column)
        for c in checks:
            table.add_row(escape(c.part), f"[{_STYLE[c.level]}]{c.level}[/]", escape(c.summary),
                          escape(c.advice))
        console = Console()
        console.print(table)
        console.print(f"overall: [{_STYLE[verdict]}]{verdict}[/]")
    if verdict == "fail":
        raise SystemExit(1)
