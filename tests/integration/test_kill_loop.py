"""SIGKILL the kiosk's own save path and its uploader at random moments, over and over.

Each cycle forks a saver (`save_loop.py`: the effects the UI triggers when a candidate starts
and finishes, on the store opened the way the kiosk opens it) and, in about half the cycles,
an uploader, both against the reference server on loopback; then kills them at a random
moment (`durability.KillMoments`): a third of the savers during start-up, half of those inside
the store's opening (where SQLite recovers the WAL the previous kill left), the rest while
saving; each kill is counted by where its saver's lines say it landed. After every kill, with
nothing running, a copy of the database is opened with the kiosk's own store code and must hold
every record a candidate was told is saved, intact, under the number they were shown, with no
number shown twice; the original is left for the next saver to recover. At the end one clean
upload runs: the server holds every record exactly once and every stored receipt verifies.
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
from kiosk.store.outbox import receipt_holds
from tests.integration.durability import (
    KillMoments,
    Told,
    check_store,
    copy_database,
    device_key,
    lines_of,
    saver_kiosk,
    wait_for_line,
)
from tests.integration.processes import (
    Server,
    Zygote,
    console_script,
    kill_and_wait,
    start_server,
)

WORK_S = 0.08  # how long a saver may save before its kill, at most
UPLOADER_S = 0.25


def run_kill_loop(tmp_path: Path, server: Server, cycles: int, seed: int) -> None:
    rand = random.Random(seed)
    kiosk = saver_kiosk(tmp_path, server.url, server.receipt_public_key)
    config = load_config(kiosk.config_path)
    db = config.database_path
    wal = db.with_name(db.name + "-wal")
    key = device_key(kiosk)
    told, kills = Told(), Counter[str]()
    moments = KillMoments(rand, WORK_S)
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
            moments.kill(saver, out, forked)
            if uploader is not None:
                time.sleep(rand.uniform(0, UPLOADER_S))
                kill_and_wait(uploader)
                uploader_lines += lines_of(up_out)
            life = told.read(lines_of(out))
            moments.learn(life, forked)
            kills[life.phase] += 1
            # The saver was the store's first opener, so it was recovering the WAL.
            kills["opening the store, WAL to recover"] += (
                life.phase == "opening the store" and recovery_due and uploader is None)
            check_store(copy_database(db, tmp_path / "check"), told, life.new, key)
    finally:
        zygote.close()
    looped = time.monotonic() - began

    assert told.saved, "the saver never got to save a record"
    assert kills["opening the store"] and kills["opening the store, WAL to recover"], kills
    acknowledged = sum('"uploader.acknowledged"' in line for line in uploader_lines)
    assert acknowledged, "the uploader was never killed mid-work: it acknowledged nothing"
    final = subprocess.run([console_script("kiosk-uploader"), "--once"], env=kiosk.env(),
                           capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stdout[-2000:]

    held = check_store(copy_database(db, tmp_path / "check"), told, set(), key)
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
          f" {acknowledged}; {moments.summary()}")


def test_sigkill_the_save_path_and_uploader_120_times(tmp_path: Path, seed: int) -> None:
    server = start_server(tmp_path / "server" / "records.sqlite")
    try:
        run_kill_loop(tmp_path, server, cycles=120, seed=seed)
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.timeout(3600)  # minutes on a shared machine: past the suite's 300 s
def test_sigkill_the_save_path_and_uploader_1500_times(tmp_path: Path, seed: int) -> None:
    server = start_server(tmp_path / "server" / "records.sqlite")
    try:
        run_kill_loop(tmp_path, server, cycles=1500, seed=seed)
    finally:
        server.stop()


def test_sigkill_while_a_new_store_is_made_then_it_opens_and_saves(tmp_path: Path,
                                                                    seed: int) -> None:
    """A new kiosk killed while it creates its store (tables, indexes, schema version, in one
    transaction) starts cleanly the next time and saves: 20 times, on a fresh database each."""
    rand = random.Random(seed)
    kiosk = saver_kiosk(tmp_path)
    db = load_config(kiosk.config_path).database_path
    key, phases = device_key(kiosk), Counter[str]()
    openings = [0.01]
    zygote = Zygote(kiosk.env())
    try:
        for attempt in range(20):
            for old in db.parent.glob(db.name + "*"):
                old.unlink()
            told = Told()
            out = tmp_path / f"new-{attempt}.out"
            saver = zygote.spawn("saver", kiosk.config_path, out)
            wait_for_line(out, "opening")
            time.sleep(rand.uniform(0, median(openings[-10:])))
            kill_and_wait(saver)
            life = told.read(lines_of(out))
            phases[life.phase] += 1
            if "opened" in life.times:
                openings.append(life.times["opened"] - life.times["opening"])
            again = tmp_path / f"again-{attempt}.out"
            saver = zygote.spawn("saver", kiosk.config_path, again)
            wait_for_line(again, "saved")
            kill_and_wait(saver)
            life = told.read(lines_of(again))
            assert check_store(copy_database(db, tmp_path / "check"), told, life.new, key) >= 1
    finally:
        zygote.close()
    assert phases["opening the store"] >= 3, phases
    print(f"killed while making the store: {dict(phases)};"
          f" making it took {median(openings) * 1000:.0f} ms (median)")
