"""`kiosk`: the appliance program. Configures Kivy, opens the devices, and runs the UI.

With `--simulate` every device is its simulator and the uploader process is started beside the
UI, so one command shows the whole kiosk on any machine with a screen (or Xvfb).
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from central_api_client.logs import LogEvent, event, setup_logging
from central_api_client.opening import SealError
from kiosk.config import ConfigError, load_config, simulated_devices
from kiosk.startup import RealMachineRefused, owner_only

log = logging.getLogger("kiosk")


def _configure_kivy(config, size: tuple[int, int]) -> None:
    """Kivy reads its settings at import time, so this runs before anything imports it."""
    kivy_home = config.data_dir / "kivy"
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        KIVY_NO_ARGS="1",
        KIVY_LOG_MODE="PYTHON",  # Kivy leaves logging (and stderr) to our JSON handler
        KIVY_HOME=str(kivy_home),
        KIVY_DPI=str(config.display.dpi),
    )
    from kivy.config import Config as KivyConfig

    KivyConfig.set("graphics", "width", str(size[0]))
    KivyConfig.set("graphics", "height", str(size[1]))
    KivyConfig.set("graphics", "fullscreen", "auto" if config.display.fullscreen else "0")
    KivyConfig.set("graphics", "resizable", "0")
    KivyConfig.set("graphics", "multisamples", str(config.display.multisamples))
    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("kivy", "keyboard_mode", "system")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    logging.getLogger("kivy").setLevel(logging.WARNING)


def _start_uploader(config_path: Path | None, data_dir: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "kiosk.sync.uploader", "--simulate", "--data-dir", str(data_dir)]
    if config_path is not None:
        cmd += ["--config", str(config_path)]
    # Not systemd's socket: the uploader must not speak (READY, WATCHDOG) for the kiosk's unit.
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    proc = subprocess.Popen(cmd, env=env)
    event(log, LogEvent.KIOSK_UPLOADER_STARTED, pid=proc.pid)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    atexit.register(stop)
    return proc


def _parse_size(text: str | None, config) -> tuple[int, int]:
    if not text:
        return config.display.width, config.display.height
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise click.BadParameter("use WIDTHxHEIGHT, e.g. 1080x1920") from None
    return w, h


def kiosk_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every way of starting the kiosk shares (`kiosk`, and the dev players)."""
    options = [
        click.option("--simulate", is_flag=True,
                     help="Use simulated devices and start the uploader."),
        click.option("--config", "config_path", type=click.Path(path_type=Path),
                     help="Machine config (TOML). Default: /etc/kiosk/kiosk.toml, else built-in."),
        click.option("--data-dir", type=click.Path(path_type=Path),
                     help="Override the data directory."),
        click.option("--size",
                     help="Window size WIDTHxHEIGHT, e.g. 1080x1920 for a portrait panel."),
        click.option("--no-uploader", is_flag=True,
                     help="With --simulate: do not start the uploader."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def run_kiosk(simulate: bool, config_path: Path | None, data_dir: Path | None, size: str | None,
              no_uploader: bool, driver: Callable[[Any], None] | None = None) -> int:
    """Start the kiosk and run it until it stops; its exit status. `driver(app)` is called once
    the attract screen is up (a player of scripted candidates)."""
    setup_logging()
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    if data_dir is not None:
        config = replace(config, data_dir=data_dir)
    if simulate:
        config = simulated_devices(config)
    owner_only(config.data_dir)  # before anything is created in it (Kivy's home, the database)
    from kiosk import wiring

    try:
        wiring.check_machine(config, simulate)
    except RealMachineRefused as exc:
        raise click.ClickException(str(exc)) from None
    if simulate:
        try:
            config = wiring.start_idcard_simulator(config)
        except ValueError as exc:  # the simulator's options in devices.idcard
            raise click.ClickException(f"configuration: {exc}") from None
        config = wiring.start_staffcard_simulator(config)
    window = _parse_size(size, config)
    _configure_kivy(config, window)
    event(log, LogEvent.KIOSK_STARTING, device_id=config.device.id, simulate=simulate,
          data_dir=str(config.data_dir), config=config.source)

    from kiosk.sd_notify import ServiceNotifier
    from kiosk.ui.app import KioskApp

    try:
        shell = wiring.build(config, simulate=simulate)
    except SealError as exc:  # no TPM, a copied data dir, a missing province key
        raise click.ClickException(f"keys: {exc}") from None
    app = KioskApp(shell, driver=driver, notifier=ServiceNotifier())
    if simulate and not no_uploader:
        # After wiring.build, which makes the development keys the uploader signs with.
        _start_uploader(config_path, config.data_dir)
    app.run()
    return app.exit_code


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@kiosk_options
def main(simulate: bool, config_path: Path | None, data_dir: Path | None, size: str | None,
         no_uploader: bool) -> None:
    """The registration kiosk."""
    sys.exit(run_kiosk(simulate, config_path, data_dir, size, no_uploader))
