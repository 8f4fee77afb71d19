"""`python -m hardware.staffcard.sim --state CARD.json --port 35963`: insert a simulated card."""

import sys

from hardware.staffcard.sim.vpcd import main

sys.exit(main())
