"""What the kill and power-cut tests check after every crash, and the save loop's lines.

After each crash the store must open cleanly with the kiosk's own code (start-up migrates and,
after a kill, recovers the WAL), pass SQLite's integrity check, and hold every record the
candidate was told is saved, intact: its hash and its device signature verify and it carries
the number the candidate was shown. A number shown to one candidate is never shown to another.
"""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from statistics import median

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from central_api_client.records import SealedRecord
from kiosk.config import load_config
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from kiosk.visits import IdHasher
from tests.integration.processes import KioskEnv, kill_and_wait


def saver_kiosk(tmp_path: Path, base_url: str = "http://127.0.0.1:9",
                receipt_key: Path | None = None) -> KioskEnv:
    """A kiosk config for the savers (and uploaders) in `tmp_path`, its keys made: an enrolled
    kiosk has them, and children racing to make them would test something else. The default
    base URL is one nobody serves: a saver never uploads."""
    tmp_path = tmp_path.resolve()  # the power-cut shim matches paths as the kiosk opens them
    data_dir = tmp_path / "kiosk-data"
    config_path = tmp_path / "kiosk.toml"
    key_line = f'receipt_public_key = "{receipt_key}"\n' if receipt_key else ""
    config_path.write_text(
        f'data_dir = "{data_dir}"\n\n[api]\nbase_url = "{base_url}"\ntimeout_s = 5.0\n'
        f"{key_line}\n"
        "[upload]\ninterval_s = 0.05\nbatch_size = 4\nconcurrency = 4\nmax_backoff_s = 0.2\n\n"
        "[storage]\nmin_free_mb = 0\n",
        encoding="utf-8",
    )
    config = load_config(config_path)
    Sealer.from_keys_dir(config.keys_dir, config.device.id)
    IdHasher.from_keys_dir(config.keys_dir)
    config.database_path.parent.mkdir(parents=True, exist_ok=True)
    return KioskEnv(data_dir, config_path)


def device_key(kiosk: KioskEnv) -> Ed25519PublicKey:
    """The kiosk's device public key, which every record it saves must verify under."""
    config = load_config(kiosk.config_path)
    return Sealer.from_keys_dir(config.keys_dir, config.device.id).device_public_key


def lines_of(out: Path) -> list[str]:
    """A killed child's output (none if it died before opening its file)."""
    return out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def wait_for_line(out: Path, word: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not any(line.split(" ", 1)[0] == word for line in lines_of(out)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{out.name}: the saver never said {word!r}")
        time.sleep(0.001)


@dataclass
class Life:
    """One saver's life as its lines tell it: the records it was told saved, and when it
    reached each step of its start-up (`save_loop.py`'s words, monotonic seconds)."""

    new: set[str]
    times: dict[str, float]

    @property
    def phase(self) -> str:
        """Where the kill found it."""
        for word, phase in (("open", "saving"), ("opened", "loading keys"),
                            ("opening", "opening the store")):
            if word in self.times:
                return phase
        return "before the store"


@dataclass
class Told:
    """What the savers said, over every life: the numbers shown, the records saved."""

    numbers: list[str] = field(default_factory=list)
    saved: dict[str, str] = field(default_factory=dict)  # record id -> its number

    def read(self, lines: list[str]) -> Life:
        """Take in one life's lines."""
        life = Life(set(), {})
        for line in lines:
            word, _, rest = line.partition(" ")
            if word in ("started", "opening", "opened", "open"):
                life.times[word] = float(rest)
            elif word == "reserved":
                self.numbers.append(rest)
            elif word == "saved":
                record_id, number = rest.split()
                self.saved[record_id] = number
                life.new.add(record_id)
            elif word == "failed":
                raise AssertionError(f"the kiosk's save path failed: {line}")
        return life

    def check_numbers(self) -> None:
        twice = {n for n in self.numbers if self.numbers.count(n) > 1} \
            if len(set(self.numbers)) != len(self.numbers) else set()
        assert not twice, f"numbers shown to two candidates: {sorted(twice)[:5]}"


class KillMoments:
    """When to kill a saver: a sixth of the time at any moment of its start-up, a sixth while
    it opens the store (where SQLite creates, migrates or recovers the WAL), the rest at a
    random moment of its saving. The start-up's durations are learnt from the lives so far."""

    def __init__(self, rand: random.Random, work_s: float) -> None:
        self.rand, self.work_s = rand, work_s
        self.start_ups: list[float] = [0.05]
        self.openings: list[float] = [0.01]

    def kill(self, pid: int, out: Path, forked: float) -> None:
        draw = self.rand.random()
        if draw < 1 / 6:
            moment = forked + self.rand.uniform(0, median(self.start_ups[-20:]))
            time.sleep(max(0.0, moment - time.monotonic()))
        elif draw < 1 / 3:
            wait_for_line(out, "opening")
            time.sleep(self.rand.uniform(0, median(self.openings[-20:])))
        else:
            wait_for_line(out, "open")
            time.sleep(self.rand.uniform(0, self.work_s))
        kill_and_wait(pid)

    def learn(self, life: Life, forked: float) -> None:
        if "open" in life.times:
            self.start_ups.append(life.times["open"] - forked)
        if "opened" in life.times:
            self.openings.append(life.times["opened"] - life.times["opening"])

    def summary(self) -> str:
        return (f"start-up median {median(self.start_ups) * 1000:.0f} ms, of which opening the"
                f" store {median(self.openings) * 1000:.0f} ms")


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
            # as the outbox keeps it: the blob beside its row
            columns = ", ".join("data AS blob" if f.name == "blob" else f.name
                                for f in fields(SealedRecord))
            rows = conn.read(f"SELECT {columns} FROM outbox JOIN outbox_blob"
                             f" ON outbox_seq = seq WHERE record_id IN ({marks})", tuple(new))
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
