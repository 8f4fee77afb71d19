"""SIGKILL the kiosk's writer and the uploader at random moments, over and over.

The two run as real processes on the shared database, against the reference server on
loopback; two threads kill and restart them independently, so kills land mid-transaction,
mid-upload, between a PUT and its ack being recorded, and during start-up. Afterwards one clean
upload runs, and then: every record a writer reported committed is in the outbox, the outbox
and the server hold the same records, each once, every used sequence number belongs to exactly
one record, and SQLite's integrity check passes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.seal import Sealer
from tests.integration.processes import KioskEnv, Server, console_script, start_server

ZYGOTE = Path(__file__).with_name("kill_zygote.py")


class Zygote:
    """The forking helper of `kill_zygote.py`, shared by both killers."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ZYGOTE)], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lock = threading.Lock()

    def spawn(self, kind: str, config: Path, out: Path) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self.lock:
            self.proc.stdin.write(f"{kind} {config} {out}\n")
            self.proc.stdin.flush()
            return int(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


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
    kiosk = KioskEnv(data_dir, config_path)
    config = load_config(config_path)
    Sealer.from_keys_dir(config.keys_dir, config.device.id)  # keys before any process races
    return kiosk


class Killer(threading.Thread):
    """Starts a process, lets it work a random moment after its first line, SIGKILLs it."""

    def __init__(self, zygote: Zygote, kind: str, kiosk: KioskEnv, kills: int, seed: int,
                 max_work_s: float) -> None:
        super().__init__(daemon=True)
        self.zygote, self.kind, self.kiosk, self.kills = zygote, kind, kiosk, kills
        self.rand = random.Random(seed)
        self.max_work_s = max_work_s
        self.lines: list[str] = []
        self.done = 0
        self.error: str | None = None

    def run(self) -> None:
        try:
            while self.done < self.kills:
                self._one()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = repr(exc)

    def _one(self) -> None:
        out = self.kiosk.data_dir.parent / f"{self.kind}-{self.done}.out"
        pid = self.zygote.spawn(self.kind, self.kiosk.config_path, out)
        deadline = time.monotonic() + 20
        while not (out.exists() and out.stat().st_size):  # up and working
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} printed nothing")
            time.sleep(0.002)
        time.sleep(self.rand.uniform(0.0, self.max_work_s))
        os.kill(pid, signal.SIGKILL)
        while True:  # gone (the zygote's children are reaped by the kernel)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.002)
        self.lines.extend(out.read_text(encoding="utf-8").splitlines())
        self.done += 1


def run_kill_loop(tmp_path: Path, server: Server, kills_each: int, seed: int) -> None:
    kiosk = _kiosk(tmp_path, server)
    env = kiosk.env()
    zygote = Zygote(env)
    writer = Killer(zygote, "writer", kiosk, kills_each, seed, max_work_s=0.08)
    uploader = Killer(zygote, "uploader", kiosk, kills_each, seed + 1, max_work_s=0.15)
    try:
        writer.start()
        uploader.start()
        writer.join()
        uploader.join()
    finally:
        zygote.close()
    assert writer.error is None and uploader.error is None, (writer.error, uploader.error)
    assert writer.done + uploader.done >= 2 * kills_each

    committed = {line.split()[1] for line in writer.lines if line.startswith("committed ")}
    assert committed, "the writer never got to commit a record"
    uploaded = sum('"uploader.acknowledged"' in line for line in uploader.lines)
    assert uploaded, "the uploader was never killed mid-work: it acknowledged nothing"
    final = subprocess.run([console_script("kiosk-uploader"), "--once"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stdout[-2000:]

    db = load_config(kiosk.config_path).database_path
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT record_id, sequence_number, state FROM outbox").fetchall()
        numbers = conn.execute(
            "SELECT number, record_id FROM sequence_numbers WHERE state = 'used'"
        ).fetchall()
    outbox = {record_id for record_id, _, _ in rows}
    assert committed <= outbox, f"{len(committed - outbox)} committed records lost"
    assert {state for _, _, state in rows} == {"acknowledged"}
    assert len({n for _, n, _ in rows}) == len(rows), "a sequence number used twice"
    assert {(n, r) for n, r in numbers} == {(n, r) for r, n, _ in rows}

    with sqlite3.connect(server.db) as conn:
        held = conn.execute("SELECT record_id FROM records").fetchall()
    assert len(held) == len(outbox) and {r for (r,) in held} == outbox
    print(f"kills: writer {writer.done}, uploader {uploader.done}; records {len(outbox)},"
          f" acknowledged during the loop {uploaded}")


def test_sigkill_writer_and_uploader_200_times(tmp_path: Path) -> None:
    server = start_server(tmp_path / "server" / "records.sqlite")
    try:
        run_kill_loop(tmp_path, server, kills_each=100, seed=int(time.time()))
    finally:
        server.stop()


@pytest.mark.slow
def test_sigkill_writer_and_uploader_2000_times(tmp_path: Path) -> None:
    server = start_server(tmp_path / "server" / "records.sqlite")
    try:
        run_kill_loop(tmp_path, server, kills_each=1000, seed=int(time.time()))
    finally:
        server.stop()
