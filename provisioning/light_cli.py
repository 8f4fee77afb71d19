"""`kioskctl light on|off|blink`: switch the fill light by hand, to check the relay and lamp.

Unlike the kiosk (which only warns), these commands exit with status 1 when the light fails,
since finding that out is why a technician runs them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # imported when a command runs, so that `kioskctl --help` stays quick
    from hardware.light import GuardedLight


def _light(uri: str | None, config_path: Path | None) -> tuple[str, GuardedLight]:
    from hardware.light import open_light
    from kiosk.config import ConfigError, load_config
    from provisioning.machine import device_uri, open_machine

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    uri = device_uri(config, "light", uri)
    open_machine(config, devices={"light": uri})
    try:
        return uri, open_light(uri, config.sim_dir)
    except ValueError as exc:
        raise click.ClickException(f"device: {exc}") from None


def _switch(light: GuardedLight, on: bool) -> None:
    light.set(on)
    if light.fault:
        raise click.ClickException(f"light: {light.fault}")


_device = click.option("--device", "uri", help="Light URI, e.g. usbrelay://16c0:05df?channel=1 "
                       "(default: devices.light of the config).")
_config = click.option("--config", "config_path", type=click.Path(path_type=Path),
                       help="Machine config.")


@click.group()
def light() -> None:
    """The fill light (USB HID relay)."""


@light.command("on")
@_device
@_config
def light_on(uri: str | None, config_path: Path | None) -> None:
    """Switch the light on (it stays on until `light off`)."""
    uri, dev = _light(uri, config_path)
    _switch(dev, True)
    click.echo(f"light {uri}: on")


@light.command("off")
@_device
@_config
def light_off(uri: str | None, config_path: Path | None) -> None:
    """Switch the light off."""
    uri, dev = _light(uri, config_path)
    _switch(dev, False)
    click.echo(f"light {uri}: off")


@light.command("blink")
@_device
@_config
@click.option("--times", type=int, default=3, show_default=True)
@click.option("--period", type=float, default=1.0, show_default=True, help="Seconds on+off.")
def light_blink(uri: str | None, config_path: Path | None, times: int, period: float) -> None:
    """Blink the light, ending off: shows relay and lamp both work."""
    uri, dev = _light(uri, config_path)
    for _ in range(times):
        _switch(dev, True)
        time.sleep(period / 2)
        _switch(dev, False)
        time.sleep(period / 2)
    click.echo(f"light {uri}: blinked {times} times")
