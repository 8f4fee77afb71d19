"""What every `kioskctl` command shares about the machine: owner-only files, and refusing
simulators and development keys unless `kioskctl --simulate` (or `KIOSK_SIMULATE=1`).

The rules are `kiosk.startup`'s, the same the kiosk and the uploader apply at start-up; this
turns a refusal into a technician's error (exit 1, the settings to fix).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kiosk.config import SIMULATED, Config, ConfigError, load_config
from kiosk.startup import SIMULATE_ENV, RealMachineRefused, check_real_machine, owner_only

if TYPE_CHECKING:
    from kiosk.store import KioskStore

config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path),
    help="Machine config (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml, built-in).")
data_dir_option = click.option("--data-dir", type=click.Path(path_type=Path),
                               help="Override the data directory.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


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


def machine_config(config_path: Path | None, data_dir: Path | None, *,
                   keys: bool = False) -> Config:
    """The config in force (`--config`, else $KIOSK_CONFIG, /etc/kiosk/kiosk.toml, built-in)
    with `--data-dir` over it, checked by `open_machine`; a configuration error is one line."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    if data_dir is not None:
        config = replace(config, data_dir=data_dir)
    return open_machine(config, keys=keys)


def existing_store(config_path: Path | None, data_dir: Path | None) -> KioskStore:
    """The machine's store, for commands that read or tend it: a clear error, not a new empty
    database, when there is none yet."""
    from kiosk.store import open_store

    config = machine_config(config_path, data_dir)
    if not config.database_path.exists():
        raise click.ClickException(f"no kiosk database at {config.database_path}")
    return open_store(config)
