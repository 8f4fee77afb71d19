"""SIGKILL the kiosk's own save path and its uploader at random moments, over and over.

Each cycle forks a saver (`save_loop.py`: the effects the UI triggers when a candidate starts
and finishes, on the store opened the way the kiosk opens it) and, in about half the cycles,
an uploader, both against the reference server on loopback; then kills them at a random
moment: a third of the savers during start-up (opening and migrating the store, or recovering
the WAL the previous kill left), the rest while saving. After every kill, with nothing running,
a copy of the database is opened with the kiosk's own store code and must hold every record a
candidate was told is saved, intact, under the number they were shown, with no number shown
twice; the original is left for the next saver to recover. At the end one clean upload runs:
the server holds every record exactly once and every stored receipt verifies.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from statistics import median

import pytest

from kiosk.config import load_config
from kiosk.seal import Sealer
from kiosk.store.outbox import receipt_holds
from kiosk.visits import IdHasher
from tests.integration.durability import Told, check_store, copy_database
from tests.integration.processes import (
    KioskEnv,
    Server,
    Zygote,
    console_script,
    kill_and_wait,
    start_server,
)

WORK_S = 0.08  # how long a saver may save before its kill, at most
UPLOADER_S = 0.25


def _kiosk(tmp_path: Path, server: Server) -> KioskEnv:
    data_dir = tmp_path / "kiosk-data"
    config_path = tmp_path / "kiosk.toml"
    config_path.write_text(
        f'data_dir = "{data_dir}"\n\n[api]\nbase_url = "{server.url}"\ntimeout_s = 5.0\n'
        f'receipt_public_key = "{server.receipt_public_key}"\n\n'
        "[upload]\ninterval_s = 0.05\nbatch_size = 4\nconcurrency = 4\nmax_backoff_s = 0.2\n\n"
        "[storage]\nmin_free_mb = 0\n",
        encoding="utf-8",
    )
    config = load_config(config_path)
    # The keys before any process races to make them (an enrolled kiosk has them already).
    Sealer.from_keys_dir(config.keys_dir, config.device.id)
    IdHasher.from_keys_dir(config.keys_dir)
    return KioskEnv(data_dir, config_path)


def _lines(out: Path) -> list[str]:
    """A killed child's output (none if it died before opening its file)."""
    return out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def _wait_until_open(out: Path, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not any(line.startswith("open ") for line in _lines(out)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{out.name}: the saver never opened the store")
        time.sleep(0.001)


def run_kill_loop(tmp_path: Path, server: Server, cycles: int, seed: int) -> None:
    rand = random.Random(seed)
    kiosk = _kiosk(tmp_path, server)
    config = load_config(kiosk.config_path)
    db = config.database_path
    wal = db.with_name(db.name + "-wal")
    device_key = Sealer.from_keys_dir(config.keys_dir, config.device.id).device_public_key
    told, kills = Told(), Counter[str]()
    start_ups: list[float] = [0.02]  # seconds from fork to an open store, measured as we go
    uploader_lines: list[str] = []
    began = time.monotonic()
    zygote = Zygote(kiosk.env())
    try:
        for cycle in range(cycles):
            recovery_due = wal.exists() and wal.stat().st_size > 0  # a kill left it
            out = tmp_path / f"saver-{cycle}.out"
            forked = time.monotonic()
            saver = zygote.spawn("saver", kiosk.config_path, out)
            uploader = None
            if rand.random() < 0.5:
                up_out = tmp_path / f"uploader-{cycle}.out"
                uploader = zygote.spawn("uploader", kiosk.config_path, up_out)
            if rand.random() < 1 / 3:  # during start-up, as long as the last ones took
                time.sleep(max(0.0, forked + rand.uniform(0, median(start_ups[-20:]))
                               - time.monotonic()))
            else:  # while saving
                _wait_until_open(out)
                time.sleep(rand.uniform(0, WORK_S))
            kill_and_wait(saver)
            if uploader is not None:
                time.sleep(rand.uniform(0, UPLOADER_S))
                kill_and_wait(uploader)
                uploader_lines += _lines(up_out)
            lines = _lines(out)
            new, opening, opened = told.read(lines)
            if opened is None:
                kills["start-up"] += 1
                kills["start-up, WAL to recover"] += recovery_due and uploader is None
            else:
                kills["saving"] += 1
                start_ups.append(opened - forked)
            check_store(copy_database(db, tmp_path / "check"), told, new, device_key)
    finally:
        zygote.close()
    looped = time.monotonic() - began

    assert told.saved, "the saver never got to save a record"
    assert kills["start-up"] and kills["start-up, WAL to recover"], kills
    acknowledged = sum('"uploader.acknowledged"' in line for line in uploader_lines)
    assert acknowledged, "the uploader was never killed mid-work: it acknowledged nothing"
    final = subprocess.run([console_script("kiosk-uploader"), "--once"], env=kiosk.env(),
                           capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stdout[-2000:]

    held = check_store(copy_database(db, tmp_path / "check"), told, set(), device_key)
    receipt_key = server.receipt_key()
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM outbox")]
    assert {r["state"] for r in rows} == {"acknowledged"}
    assert all(receipt_holds(r, receipt_key) for r in rows), "a stored receipt does not verify"
    with sqlite3.connect(server.db) as conn:
        at_server = [r for (r,) in conn.execute("SELECT record_id FROM records")]
    assert len(at_server) == len(set(at_server)) == held
    assert set(at_server) == {r["record_id"] for r in rows}
    print(f"{cycles} cycles in {looped:.1f} s: savers killed {dict(kills)};"
          f" told saved {len(told.saved)}, held {held}, acknowledged during the loop"
          f" {acknowledged}; start-up median {median(start_ups) * 1000:.0f} ms")


def test_sigkill_the_save_path_and_uploader_120_times(tmp_path: Path, seed: int) -> None:
    server = start_server(tmp_path / "server" / "records.sqlite")
    try:
        run_kill_loop(tmp_path, server, cycles=120, seed=seed)
    finally:
        server.stop()


@pytest.mark.slow
def test_sigkill_the_save_path_and_uploader_1500_times(tmp_path: Path, seed: int) -> None:
    server = start_server(tmp_path / "server" / "records.sqlite")
    try:
        run_kill_loop(tmp_path, server, cycles=1500, seed=seed)
    finally:
        server.stop()
