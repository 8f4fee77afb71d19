"""`python -m hardware.staffcard.sim --state CARD.json --port 35963`: insert a simulated card."""

import sys

from hardware.staffcard.sim.vpcd import main

if __name__ == "__main__":  # importing the package's modules (a test walks them all) runs nothing
    sys.exit(main())
