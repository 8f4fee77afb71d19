"""What the kill and power-cut tests check after every crash, and the save loop's lines.

After each crash the store must open cleanly with the kiosk's own code (start-up migrates and,
after a kill, recovers the WAL), pass SQLite's integrity check, and hold every record the
candidate was told is saved, intact: its hash and its device signature verify and it carries
the number the candidate was shown. A number shown to one candidate is never shown to another.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, fields
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from central_api_client.records import SealedRecord
from kiosk.store import KioskStore


@dataclass
class Told:
    """What the savers said, over every life: the numbers shown, the records saved."""

    numbers: list[str] = field(default_factory=list)
    saved: dict[str, str] = field(default_factory=dict)  # record id -> its number

    def read(self, lines: list[str]) -> tuple[set[str], float | None, float | None]:
        """Take in one life's lines; the record ids it reported saved, and the monotonic
        times it started opening the store and had it open (None: not reached)."""
        new: set[str] = set()
        opening = opened = None
        for line in lines:
            word, _, rest = line.partition(" ")
            if word == "opening":
                opening = float(rest)
            elif word == "open":
                opened = float(rest)
            elif word == "reserved":
                self.numbers.append(rest)
            elif word == "saved":
                record_id, number = rest.split()
                self.saved[record_id] = number
                new.add(record_id)
            elif word == "failed":
                raise AssertionError(f"the kiosk's save path failed: {line}")
        return new, opening, opened

    def check_numbers(self) -> None:
        twice = {n for n in self.numbers if self.numbers.count(n) > 1} \
            if len(set(self.numbers)) != len(self.numbers) else set()
        assert not twice, f"numbers shown to two candidates: {sorted(twice)[:5]}"


def copy_database(database: Path, into: Path) -> Path:
    """A copy of the database's files as they are (no process may have it open), to open
    without disturbing the original's WAL, which the next process must recover itself."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    for path in database.parent.glob(database.name + "*"):
        shutil.copyfile(path, into / path.name)
    return into / database.name


def check_store(database: Path, told: Told, new: set[str], device_key: Ed25519PublicKey) -> int:
    """Open `database` as the kiosk does and check it holds what the candidates were told;
    `new`: the records to verify in full (hash, signature). Returns the records it holds."""
    with KioskStore(database, min_free_bytes=0) as store:
        conn = store.connection
        assert conn.read("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
        held = {row["record_id"]: row["sequence_number"]
                for row in conn.read("SELECT record_id, sequence_number FROM outbox")}
        lost = [r for r in told.saved if r not in held]
        assert not lost, f"{len(lost)} of {len(told.saved)} records told saved are gone"
        wrong = [r for r in told.saved if held[r] != told.saved[r]]
        assert not wrong, f"{len(wrong)} records carry another number than the one shown"
        if new:
            marks = ",".join("?" * len(new))
            columns = ", ".join(f.name for f in fields(SealedRecord))  # as the outbox keeps it
            rows = conn.read(f"SELECT {columns} FROM outbox WHERE record_id IN ({marks})",
                             tuple(new))
            assert len(rows) == len(new)
            for row in rows:
                SealedRecord(**row).verify(device_key)  # RecordInvalidError if not intact
        numbers = {row["number"]: row for row in conn.read(
            "SELECT number, state, record_id FROM sequence_numbers")}
        missing = [n for n in told.numbers if n not in numbers]
        assert not missing, f"{len(missing)} numbers shown were forgotten (could come back)"
        for record_id, number in told.saved.items():
            assert numbers[number]["state"] == "used" and numbers[number]["record_id"] == record_id
    told.check_numbers()
    return len(held)
