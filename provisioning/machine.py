"""What every `kioskctl` command shares about the machine: owner-only files, and refusing
simulators and development keys unless `kioskctl --simulate` (or `KIOSK_SIMULATE=1`).

The rules are `kiosk.startup`'s, the same the kiosk and the uploader apply at start-up; this
turns a refusal into a technician's error (exit 1, the settings to fix).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import click

from kiosk.config import SIMULATED, Config
from kiosk.startup import SIMULATE_ENV, RealMachineRefused, check_real_machine, owner_only


def simulating() -> bool:
    """True when `kioskctl --simulate` (or KIOSK_SIMULATE=1) was given."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("simulate"))


def device_uri(config: Config, name: str, given: str | None) -> str:
    """The URI of device `name` a command opens: `--device`, else the config's, else (under
    --simulate only) its simulator."""
    return given or getattr(config.devices, name) or (SIMULATED if simulating() else "")


def open_machine(config: Config, *, devices: Mapping[str, str] | Iterable[str] = (),
                 keys: bool = False) -> Config:
    """Make the data dir owner-only and check `devices` (names, or name -> URI given on the
    command line) and, with `keys`, the key files; returns `config` for chaining."""
    owner_only(config.data_dir)
    try:
        check_real_machine(config, "kioskctl", simulate=simulating(), devices=devices,
                           keys=keys, way_out=f"kioskctl --simulate ..., or {SIMULATE_ENV}=1")
    except RealMachineRefused as exc:
        raise click.ClickException(str(exc)) from None
    return config
