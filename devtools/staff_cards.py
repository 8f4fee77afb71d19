"""Staff cards at a scripted kiosk: a card file goes into the reader of the kiosk's private
pcscd (`kiosk --simulate` starts it: `kiosk.wiring.start_staffcard_simulator`) through vpcd and
the project's PIV card emulator, and the card signs its holder in with its PIN: the real PC/SC
adapter, certificate checks against the kiosk's staff CA and VERIFY on the card.

The staff panel's PIN pad is not part of the kiosk yet: the script presents the PIN to the
card itself (`StaffCard.sign_in`) and hands the member the card named to the shell, as the
panel will. Card files: `SIM_DIR/staffcard/cards/ROLE.json` (the tests issue them under their
own staff CA); without one, the development supervisor's card of `--simulate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hardware.staffcard.sim.dev_card import DEV_CARD_FILE, DEV_PIN
from hardware.staffcard.sim.vpcd import VirtualCard
from kiosk.core.staff import StaffCardError, StaffMember
from kiosk.wiring import open_staff_card_reader

if TYPE_CHECKING:
    from hardware.staffcard.card import StaffCardReader
    from kiosk.config import Config

PIN = DEV_PIN  # the tests' cards share the development card's PIN


def card_file(config: Config, role: str) -> Path:
    folder = config.sim_dir / "staffcard"
    issued = folder / "cards" / f"{role}.json"
    return issued if issued.exists() else folder / DEV_CARD_FILE


class CardDesk:
    """The kiosk's staff card reader and the one card in it."""

    def __init__(self, config: Config) -> None:
        reader = open_staff_card_reader(config)
        if reader is None:
            raise RuntimeError("no staff card reader: pcscd or vpcd missing (see the log)")
        self.config = config
        self.reader: StaffCardReader = reader
        self.port = int((config.sim_dir / "staffcard" / "vpcd.port").read_text().strip())
        self.card: VirtualCard | None = None

    def insert(self, role: str) -> None:
        self.remove()
        self.card = VirtualCard(card_file(self.config, role), self.port)
        self.card.insert()

    def remove(self) -> None:
        if self.card is not None:
            self.card.remove()
            self.card = None

    def present(self) -> bool:
        try:
            self.reader.current().tries_left()
        except StaffCardError:
            return False
        return True

    def sign_in(self, pin: str = PIN) -> StaffMember:
        return self.reader.current().sign_in(pin)
