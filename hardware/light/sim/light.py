"""A simulated fill light: its state is a file, so tests and `kiosk --simulate` can see it.

`sim_dir/light-on` exists while the light is on. Fault: while `sim_dir/light-broken` exists every
command fails with LightError, as with a relay board that has been unplugged.
"""

from __future__ import annotations

from pathlib import Path

from hardware.light.light import LightError

ON_FILE = "light-on"
BROKEN_FILE = "light-broken"


class SimulatedLight:
    def __init__(self, sim_dir: Path) -> None:
        self.sim_dir = Path(sim_dir)

    @property
    def is_on(self) -> bool:
        return (self.sim_dir / ON_FILE).exists()

    def set(self, on: bool) -> None:
        if (self.sim_dir / BROKEN_FILE).exists():
            raise LightError(detail="simulated relay unplugged")
        self.sim_dir.mkdir(parents=True, exist_ok=True)
        flag = self.sim_dir / ON_FILE
        if on:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)

    def close(self) -> None:
        if not (self.sim_dir / BROKEN_FILE).exists():
            self.set(False)
