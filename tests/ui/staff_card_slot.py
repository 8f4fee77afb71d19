"""Staff cards for scripted kiosk runs, through the real path: the project's PIV card emulator
(`hardware.staffcard.sim.vpcd.VirtualCard`) connects to the vpcd reader of the private pcscd
that `kiosk --simulate` started (its port in sim_dir/staffcard/vpcd.port), and the kiosk's
PC/SC adapter sees it through pcscd. `insert(holder)` puts in the card file
CARDS/<holder>.json (made by `make_staff_cards`), `remove()` pulls it out.
"""

from __future__ import annotations

from pathlib import Path

from hardware.staffcard.sim.vpcd import VirtualCard
from tests.integration.staff_cards import make_ca, make_card

PIN = "246810"  # the PIN the staff scripts type (devtools/staff_scripts.py)
STAFF_NUMBERS = {"staff": "S-0001", "supervisor": "S-0002"}


def make_staff_cards(folder: Path) -> Path:
    """A test staff CA and a card per role in `folder`; the CA certificate's path (for
    `[staff] ca`)."""
    ca = make_ca(folder / "ca")
    (folder / "cards").mkdir(parents=True, exist_ok=True)
    for holder, number in STAFF_NUMBERS.items():
        make_card(folder / "cards" / f"{holder}.json", ca, role=holder, pin=PIN,
                  staff_number=number)
    return folder / "ca" / "staff-ca.pem"


class EmulatorSlot:
    def __init__(self, cards: Path, sim_dir: Path) -> None:
        self.cards, self.sim_dir = cards, sim_dir
        self._card: VirtualCard | None = None

    def insert(self, holder: str) -> None:
        self.remove()
        port = int((self.sim_dir / "staffcard" / "vpcd.port").read_text(encoding="ascii"))
        self._card = VirtualCard(self.cards / f"{holder}.json", port)
        self._card.insert()

    def remove(self) -> None:
        if self._card is not None:
            self._card.remove()
            self._card = None
