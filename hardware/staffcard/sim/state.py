"""A simulated card's memory: its keys, data objects, PIN and retry counter, in one JSON file.

The file is rewritten (atomically) after every command that changes it, so a card keeps its
PIN counter and its keys across insertions, as a real card does. Development use only: the
private keys are in the clear.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PIN = "123456"  # what a fresh PIV card ships with (SP 800-73-4 leaves it to the issuer)
DEFAULT_TRIES = 15  # vxsuite programs 15 tries


@dataclass
class CardState:
    """What a card remembers. `keys`: slot ("9a", "9e" ...) -> PKCS#8 PEM of a P-256 key;
    `objects`: object id hex ("5fc105") -> the bytes GET DATA answers (the whole `53` TLV)."""

    pin: str = DEFAULT_PIN
    max_tries: int = DEFAULT_TRIES
    tries_left: int = DEFAULT_TRIES
    keys: dict[str, str] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)  # hex

    @classmethod
    def load(cls, path: Path) -> CardState:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(pin=str(raw["pin"]), max_tries=int(raw["max_tries"]),
                   tries_left=int(raw["tries_left"]), keys=dict(raw["keys"]),
                   objects=dict(raw["objects"]))

    def save(self, path: Path) -> None:
        body = json.dumps({"pin": self.pin, "max_tries": self.max_tries,
                           "tries_left": self.tries_left, "keys": self.keys,
                           "objects": self.objects}, indent=1).encode()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)


def blank_card(path: Path, *, max_tries: int = DEFAULT_TRIES) -> Path:
    """A fresh, unpersonalised card (default PIN, no keys, no certificates) at `path`."""
    CardState(max_tries=max_tries, tries_left=max_tries).save(path)
    return path
