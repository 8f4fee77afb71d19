"""`python -m devtools.play SCRIPT [--repeat N] [--shots DIR] [kiosk options]`: the kiosk with a
player of scripted candidates (see devtools.scripts for the names).

The kiosk is built exactly as `kiosk` builds it; the player is its driver, started once the
attract screen is up. Without the simulator's card strip, so screenshots show what a candidate
sees. Exit status 0 when the script ran to its end, 1 when it failed (the log says why).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from devtools.scripts import load_script
from kiosk.app import kiosk_options, run_kiosk

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def command(python: str | Path, config: Path, script: str, *args: str) -> list[str]:
    """The command line that plays `script` on a simulated kiosk with `config` (for tests,
    the demo and the benchmarks)."""
    return [str(python), "-m", "devtools.play", script, "--simulate", "--config", str(config),
            *args]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("script")
@click.option("--repeat", default=1, show_default=True, help="Play the script this many times.")
@click.option("--shots", type=click.Path(path_type=Path),
              help="Save a screenshot of every screen here.")
@kiosk_options
def main(script: str, repeat: int, shots: Path | None, simulate: bool,
         config_path: Path | None, data_dir: Path | None, size: str | None,
         no_uploader: bool) -> None:
    """Play a scripted candidate session (journey, cancel, ...) on the kiosk."""
    try:
        played = load_script(script)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="SCRIPT") from None

    players: list[object] = []  # held here: Kivy's clock keeps only weak references

    def drive(app: KioskApp) -> None:
        # Imported here: Kivy reads its settings at import time, which `run_kiosk` sets first.
        from devtools.player import Player

        player = Player(played, shots_dir=shots, repeat=repeat)
        players.append(player)
        player.start(app)

    sys.exit(run_kiosk(simulate, config_path, data_dir, size, no_uploader, driver=drive))


if __name__ == "__main__":
    main()
