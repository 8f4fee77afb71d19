"""Power cuts: every record a candidate was told is saved survives losing every unsynced write.

Each cycle forks the kiosk's own save path (`save_loop.py`) with `powercut/journal_writes.c`
preloaded, so every write, truncate, fsync, create and unlink on the database's files and their
folder is journalled; SIGKILLs it at a random moment (a third during start-up: opening,
migrating, recovering the WAL the last cut left); then rebuilds the disk as the power cut left
it: the files as they were durably, plus only what an fsync covered (of a file's contents) and
what a directory fsync covered (of names made or removed). The next cycle starts on that disk,
as a kiosk switched back on would. After every cut a copy is opened with the kiosk's store code
and must hold every record told saved, intact, under the number shown, no number twice.

The kiosk's real store code and pragmas (WAL, synchronous=FULL) are what run; with
synchronous=NORMAL (a commit that returns before its fsync) the same loop loses records, which
`test_power_loss_notices_a_store_that_commits_before_fsync` shows.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from statistics import median

import pytest

from kiosk.config import load_config
from kiosk.seal import Sealer
from kiosk.visits import IdHasher
from tests.integration.durability import Told, check_store
from tests.integration.powercut import (
    DiskAfterCut,
    build_shim,
    parse_journal,
    preload_env,
    write_files,
)
from tests.integration.processes import KioskEnv, Zygote, kill_and_wait

WORK_S = 0.04  # how long a saver may save before the cut, at most


@pytest.fixture(scope="session")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shim(tmp_path_factory.mktemp("powercut"))


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[KioskEnv]:
    tmp_path = tmp_path.resolve()  # the shim matches paths as the kiosk opens them
    data_dir = tmp_path / "kiosk-data"
    config_path = tmp_path / "kiosk.toml"
    # A base URL nobody serves: nothing here uploads.
    config_path.write_text(
        f'data_dir = "{data_dir}"\n\n[api]\nbase_url = "http://127.0.0.1:9"\n\n'
        "[storage]\nmin_free_mb = 0\n", encoding="utf-8")
    config = load_config(config_path)
    Sealer.from_keys_dir(config.keys_dir, config.device.id)
    IdHasher.from_keys_dir(config.keys_dir)
    config.database_path.parent.mkdir(parents=True, exist_ok=True)
    yield KioskEnv(data_dir, config_path)


def _lines(out: Path) -> list[str]:
    return out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def _wait_until_open(out: Path, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not any(line.startswith("open ") for line in _lines(out)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{out.name}: the saver never opened the store")
        time.sleep(0.001)


def run_power_cuts(kiosk: KioskEnv, shim: Path, cycles: int, seed: int,
                   synchronous: str = "FULL") -> str:
    rand = random.Random(seed)
    config = load_config(kiosk.config_path)
    db = config.database_path
    work = kiosk.data_dir.parent
    journal = work / "journal.bin"
    device_key = Sealer.from_keys_dir(config.keys_dir, config.device.id).device_public_key
    env = {**kiosk.env(), **preload_env(shim, db, journal),
           "SAVE_LOOP_SYNCHRONOUS": synchronous}
    told, cuts, ops = Told(), Counter[str](), Counter[str]()
    start_ups: list[float] = [0.02]
    durable: dict[str, bytes] = {}  # the disk as the last cut left it (nothing, at first)
    began = time.monotonic()
    zygote = Zygote(env)
    try:
        for cycle in range(cycles):
            journal.write_bytes(b"")
            recovery_due = any(name.endswith("-wal") and content
                               for name, content in durable.items())
            out = work / f"saver-{cycle}.out"
            forked = time.monotonic()
            saver = zygote.spawn("saver", kiosk.config_path, out)
            if rand.random() < 1 / 3:
                time.sleep(max(0.0, forked + rand.uniform(0, median(start_ups[-20:]))
                               - time.monotonic()))
            else:
                _wait_until_open(out)
                time.sleep(rand.uniform(0, WORK_S))
            kill_and_wait(saver)  # the power goes

            disk = DiskAfterCut.from_files(durable)
            for entry in parse_journal(journal.read_bytes()):
                disk.apply(entry)
            ops.update(disk.counts)
            durable = disk.durable_files()
            write_files(db, durable)  # what the kiosk finds when it is switched back on

            new, _, opened = told.read(_lines(out))
            if opened is None:
                cuts["start-up"] += 1
                cuts["start-up, WAL to recover"] += recovery_due
            else:
                cuts["saving"] += 1
                start_ups.append(opened - forked)
            check = work / "check"
            check.mkdir(exist_ok=True)
            write_files(db, durable, into=check)
            check_store(check / db.name, told, new, device_key)
    finally:
        zygote.close()
    assert ops["W"] and ops["S"] and ops["D"], f"the shim journalled too little: {ops}"
    assert told.saved, "the saver never got to save a record"
    return (f"{cycles} power cuts in {time.monotonic() - began:.1f} s: {dict(cuts)};"
            f" told saved {len(told.saved)}; journalled {dict(ops)};"
            f" start-up median {median(start_ups) * 1000:.0f} ms")


def test_power_loss_100_times(kiosk: KioskEnv, shim: Path, seed: int) -> None:
    summary = run_power_cuts(kiosk, shim, cycles=100, seed=seed)
    print(summary)


@pytest.mark.slow
def test_power_loss_1000_times(kiosk: KioskEnv, shim: Path, seed: int) -> None:
    print(run_power_cuts(kiosk, shim, cycles=1000, seed=seed))


def test_power_loss_notices_a_store_that_commits_before_fsync(kiosk: KioskEnv, shim: Path,
                                                               seed: int) -> None:
    """The same loop with synchronous=NORMAL, where a WAL commit returns before its fsync:
    records the candidate was told are saved are gone after a cut, and the loop says so."""
    with pytest.raises(AssertionError, match="told saved are gone"):
        run_power_cuts(kiosk, shim, cycles=30, seed=seed, synchronous="NORMAL")
