"""A simulated ID card reader whose card slot is a file, so any process can place a card.

`sim_dir/idcard-slot.json` present means a card lies on the reader; its content is a card file:
the fields of `IdentityDocument.to_fields()`, plus optionally

- `"fault": "read_failed"`: the card is there but every read fails (a scratched card);
- `"fault": "unplugged"`: the reader itself is gone (cable pulled) until the slot changes;
- `"chip_photo_hex"`: the raw chip photo bytes, hex.

Tests, the demo driver and a technician (`kioskctl`) place and lift cards with `place_card` and
`remove_card`; both write atomically (temp file + `os.replace`), so the reader never sees half a
card. The GA 467 wire-level simulator (`ga467_sim.py`, a pty in its own process) reads the same
slot file, so `kiosk --simulate` exercises the real serial adapter while this in-process reader
(`sim://`) stays for fast unit tests.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from central_api_client.files import atomic_write
from hardware.idcard.reader import ReaderError, ReaderHealth
from kiosk.core.documents import IdentityDocument

SLOT_FILE = "idcard-slot.json"
CARDS_DIR = Path(__file__).resolve().parent / "cards"
FAULTS = ("read_failed", "unplugged")
SIM_SAM_ID = "05.01-20261124-0000000001-SIMULATED"
_EXTRA_KEYS = ("fault", "chip_photo_hex")


def slot_path(sim_dir: Path) -> Path:
    return Path(sim_dir) / SLOT_FILE


def card_file(name: str) -> Path:
    """A shipped card file by its stem, e.g. `card_file("resident-valid")`."""
    path = CARDS_DIR / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in CARDS_DIR.glob("*.json"))
        raise ValueError(f"no shipped card {name!r}; known: {known}")
    return path


def place_card(
    sim_dir: Path, card: dict[str, Any] | Path | IdentityDocument, *, fault: str | None = None
) -> None:
    """Put a card on the simulated reader (replacing any card already there).

    `card` is a card-file dict, a path to a card file or a document; `fault` overrides the
    card's own fault. Content is not validated beyond the fault name: a technician may place a
    deliberately broken card to see the kiosk refuse it.
    """
    if isinstance(card, IdentityDocument):
        data: dict[str, Any] = dict(card.to_fields())
        if card.chip_photo is not None:
            data["chip_photo_hex"] = card.chip_photo.hex()
    elif isinstance(card, dict):
        data = dict(card)
    else:
        data = json.loads(Path(card).read_text(encoding="utf-8"))
    if fault is not None:
        data["fault"] = fault
    if data.get("fault") not in (None, *FAULTS):
        raise ValueError(f"unknown simulated fault {data['fault']!r}; known: {FAULTS}")
    sim_dir = Path(sim_dir)
    sim_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    atomic_write(slot_path(sim_dir), text.encode("utf-8"))


def remove_card(sim_dir: Path) -> None:
    """Lift the card off the simulated reader; no error when there is none."""
    slot_path(Path(sim_dir)).unlink(missing_ok=True)


class SimCardSlot:
    """The simulated reader's slot by card name, for the simulator's buttons on screen."""

    def __init__(self, sim_dir: Path) -> None:
        self.sim_dir = Path(sim_dir)

    def place(self, name: str) -> None:
        place_card(self.sim_dir, card_file(name))

    def lift(self) -> None:
        remove_card(self.sim_dir)


class SimulatedReader:
    """`IdCardReader` over the slot file.

    `read_delay_s` imitates the second or so a real read takes, so the watcher's handling of a
    card lifted mid-read (`card_removed`) can be exercised.
    """

    def __init__(
        self, sim_dir: Path, *, sam_id: str = SIM_SAM_ID, read_delay_s: float = 0.0
    ) -> None:
        self.sim_dir = Path(sim_dir)
        self.sim_dir.mkdir(parents=True, exist_ok=True)
        self.sam_id = sam_id
        self.read_delay_s = read_delay_s
        self._closed = False

    @property
    def slot(self) -> Path:
        return slot_path(self.sim_dir)

    def _slot(self) -> dict[str, Any] | None:
        """The slot's card file; None when empty; `{}` for a file that is not a card at all."""
        if self._closed:
            raise ReaderError("reader_unavailable", "reader closed")
        try:
            text = self.slot.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def card_present(self) -> bool:
        data = self._slot()
        if data is None:
            return False
        if data.get("fault") == "unplugged":
            raise ReaderError("reader_unavailable", "simulated reader unplugged")
        return True

    def read(self) -> IdentityDocument:
        data = self._slot()
        if data is None:
            raise ReaderError("no_card")
        if self.read_delay_s > 0:
            time.sleep(self.read_delay_s)
            if not self.slot.exists():
                raise ReaderError("card_removed")
        fault = data.get("fault")
        if fault == "unplugged":
            raise ReaderError("reader_unavailable", "simulated reader unplugged")
        if fault == "read_failed":
            raise ReaderError("card_read_failed", "simulated read failure")
        fields = {k: v for k, v in data.items() if k not in _EXTRA_KEYS}
        try:
            photo_hex = data.get("chip_photo_hex")
            photo = bytes.fromhex(photo_hex) if photo_hex else None
            return IdentityDocument.from_fields(fields, chip_photo=photo)
        except (ValueError, KeyError, TypeError):
            # A card whose content cannot be parsed is, to the kiosk, an unreadable card; the
            # exception text is dropped because it may quote a field value.
            raise ReaderError("card_read_failed", "card file not parseable") from None

    def health(self) -> ReaderHealth:
        if self._closed:
            return ReaderHealth(ok=False, sam_id="", detail="reader closed")
        try:
            data = self._slot()
        except ReaderError as exc:
            return ReaderHealth(ok=False, sam_id="", detail=exc.code)
        if data is not None and data.get("fault") == "unplugged":
            return ReaderHealth(ok=False, sam_id="", detail="simulated reader unplugged")
        return ReaderHealth(ok=True, sam_id=self.sam_id, detail="simulated reader")

    def close(self) -> None:
        self._closed = True
