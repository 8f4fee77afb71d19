"""Benchmark: kiosk cold start to the attract screen, and memory over many scripted sessions.

Goals: start ≤ 3 s (issue "Foundation"); resident memory after 200 sessions ≤ 250 MB and its
growth from session 50 on ≤ 5 MB (issue 16), on software GL. The floor to compare with is a bare
Kivy window of the same size with OpenCV loaded, measured in the same run. Runs the real
`kiosk --simulate` on a virtual screen playing the `brisk` candidate (every step, a record
saved, a login card printed) with no countdown, a short good-frame streak and no SAM wait,
the cheapest script that is still a whole session (~2.8 s each: 200 take ~9 min); prints a
table; exit 1 when a goal is missed.
`python tests/bench/bench_kiosk.py [--runs 3] [--sessions 200]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from provisioning.devrun import BIN, VirtualScreen, free_port, write_kiosk_config  # noqa: E402
from tests.bench.benchlib import Table, at_most, log_events, play  # noqa: E402
from tests.escpos.fake_printer import FakeReceiptPrinter  # noqa: E402

START_GOAL_S = 3.0
RSS_GOAL_MB = 250.0
GROWTH_GOAL_MB = 5.0
SETTLED_AFTER = 50  # sessions before growth is counted: caches and pools have filled by then


def time_to_ready(config: Path, display: str) -> float:
    """From process start to the attract screen being shown (the `kiosk.ready` event)."""
    t0 = time.perf_counter()
    proc = play(config, display, "ready")
    elapsed = None
    for e in log_events(proc):
        if e["event"] == "kiosk.ready":
            elapsed = time.perf_counter() - t0
    proc.wait(timeout=60)
    if elapsed is None or proc.returncode != 0:
        raise RuntimeError(f"kiosk did not come up (exit {proc.returncode})")
    return elapsed


def floor_mb(display: str) -> float:
    """The RSS (MB) of a bare Kivy window with OpenCV loaded (tests/bench/bare_window.py)."""
    done = subprocess.run([str(BIN / "python"), str(Path(__file__).with_name("bare_window.py"))],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "DISPLAY": display})
    out = done.stdout
    if "RSS" not in out:
        raise RuntimeError(f"the bare window did not come up (exit {done.returncode}):"
                           f" {(done.stdout + done.stderr)[-800:]}")
    return float(next(line for line in out.splitlines() if line.startswith("RSS")).split()[1])


def memory_over_sessions(config: Path, display: str, sessions: int) -> tuple[list[float], float]:
    """RSS in MB at the attract screen and after each brisk session, and the seconds one
    session took (median)."""
    proc = play(config, display, "brisk", "--repeat", str(sessions))
    ps = psutil.Process(proc.pid)
    rss: list[float] = []
    ends: list[float] = []
    for e in log_events(proc):
        if e["event"] == "kiosk.ready":
            time.sleep(1.0)  # the attract screen drawn: what the kiosk holds before anyone
            rss.append(ps.memory_info().rss / 2**20)
        elif e["event"] == "autoplay.iteration":
            rss.append(ps.memory_info().rss / 2**20)
            ends.append(e["t"])
        elif e["event"] == "autoplay.failed":
            proc.kill()
            raise RuntimeError(f"scripted session failed: {e.get('reason')}")
    proc.wait(timeout=60)
    lengths = sorted(b - a for a, b in zip(ends, ends[1:], strict=False)) or [0.0]
    return rss, lengths[len(lengths) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="start-up runs (default 3)")
    parser.add_argument("--sessions", type=int, default=200,
                        help="sessions for memory (default 200)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    try:
        with VirtualScreen() as screen, FakeReceiptPrinter("ready") as printer:
            api = f"http://127.0.0.1:{free_port()}"  # nothing listens: uploads are not measured
            cold, warm = [], []
            for i in range(args.runs):
                # Cold: a new data directory (keys generated, database created) each run.
                config = write_kiosk_config(work / f"cold{i}.toml", work / f"cold{i}", api)
                cold.append(time_to_ready(config, screen.display))
                warm.append(time_to_ready(config, screen.display))
            floor = floor_mb(screen.display)
            config = write_kiosk_config(work / "mem.toml", work / "mem", api,
                                        session={"countdown_s": 0}, photo={"good_frames": 2},
                                        # No SAM wait: memory does not care, and 200
                                        # sessions are 2.7 min shorter.
                                        devices={"printer": printer.uri,
                                                 "idcard": "sim://?sam_latency=0"})
            rss, per_session = memory_over_sessions(config, screen.display, args.sessions)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    at_start, rss = rss[0], rss[1:]
    # RSS swings ~40 MB within a session (a photo, a printout, then malloc_trim at the attract
    # screen): growth compares medians of 20 sessions, not two single readings.
    window = max(1, min(20, len(rss) // 4))
    around = min(SETTLED_AFTER, len(rss)) - 1  # index of the session growth is counted from
    settled = statistics.median(rss[max(0, around - window // 2):][:window])
    final = statistics.median(rss[-window:])
    table = Table(f"kiosk start-up ({args.runs} runs) and memory over {len(rss)} brisk sessions"
                  " (software GL, 1920x1080 on Xvfb)")
    table.add("start to attract, new data dir", cold, "s", at_most(START_GOAL_S))
    table.add("start to attract, existing data", warm, "s", at_most(START_GOAL_S))
    table.add("floor: bare Kivy window + OpenCV", [floor], "MB")
    table.add("RSS at the attract screen, no session yet", [at_start], "MB")
    table.add(f"RSS around session {SETTLED_AFTER} (median of {window})", [settled], "MB")
    table.add(f"RSS after {len(rss)} sessions (median of last {window})", [final], "MB",
              at_most(RSS_GOAL_MB))
    table.add(f"RSS growth, session {SETTLED_AFTER}→{len(rss)}", [final - settled], "MB",
              at_most(GROWTH_GOAL_MB))
    table.note(f"one brisk session took {per_session:.1f} s (median); RSS ranged "
               f"{min(rss):.0f}-{max(rss):.0f} MB; above the floor: {rss[-1] - floor:.0f} MB")
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
