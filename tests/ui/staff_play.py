"""`STAFF_CARDS=DIR python -m tests.ui.staff_play SCRIPT --simulate --config FILE [...]`: a
staff script of `devtools.staff_scripts` on `kiosk --simulate`, whose private pcscd + vpcd
reader the script's `p.staff_slot` inserts the emulator's cards into (DIR/<holder>.json,
`tests/ui/staff_card_slot.py`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.ui.staff_card_slot import EmulatorSlot


def main() -> None:
    from devtools import staff_slot
    from devtools.play import main as play_main
    from kiosk.config import load_config

    config = load_config(Path(sys.argv[sys.argv.index("--config") + 1]))
    staff_slot.SLOT = EmulatorSlot(Path(os.environ["STAFF_CARDS"]), config.sim_dir)
    play_main()


if __name__ == "__main__":
    sys.exit(main())
