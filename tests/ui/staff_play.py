"""`python -m tests.ui.staff_play SCRIPT [devtools.play options]`: a staff script of
`devtools.staff_scripts` on the kiosk, its staff card reader the STAND-IN of
`tests/ui/staffcard_standin.py` (until the PC/SC fixture lands on main), which the script's
`p.staff_slot` inserts cards into."""

from __future__ import annotations

import sys

from tests.ui.staffcard_standin import StandInReader


def main() -> None:
    from devtools import staff_slot
    from devtools.play import main as play_main
    from kiosk import wiring

    reader = StandInReader()
    wiring.open_staff_reader = lambda config: reader  # type: ignore[assignment]
    staff_slot.SLOT = reader
    play_main()


if __name__ == "__main__":
    sys.exit(main())
