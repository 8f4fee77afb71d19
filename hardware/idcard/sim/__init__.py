"""The file-slot ID card simulator and its shipped card files (see `reader.py`)."""

from hardware.idcard.sim.reader import (
    CARDS_DIR,
    SimCardSlot,
    SimulatedReader,
    card_file,
    place_card,
    remove_card,
    slot_path,
)

__all__ = [
    "CARDS_DIR", "SimCardSlot", "SimulatedReader", "card_file", "place_card", "remove_card",
    "slot_path",
]
