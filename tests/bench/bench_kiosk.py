"""Benchmark: kiosk cold start to the attract screen, and memory over 50 scripted sessions.

Goals (issue "Foundation"): start ≤ 3 s; resident memory after 50 sessions ≤ 250 MB, growth
≤ 10 MB over the last 40. Runs the real `kiosk --simulate` on a virtual screen and prints a
table; it is not a test. `python tests/bench/bench_kiosk.py [--runs 5] [--sessions 50]`.
"""

from __future__ import annotations

import argparse
import json
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

from devtools.play import command as play_command  # noqa: E402
from provisioning.devrun import BIN, VirtualScreen, free_port, write_kiosk_config  # noqa: E402

START_GOAL_S = 3.0
RSS_GOAL_MB = 250.0
GROWTH_GOAL_MB = 10.0


def start_kiosk(config: Path, display: str, script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        play_command(BIN / "python", config, script, "--no-uploader", *args),
        env={**os.environ, "DISPLAY": display},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )


def events(proc: subprocess.Popen):
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            continue


def time_to_ready(config: Path, display: str) -> float:
    """From process start to the attract screen being shown (the `kiosk.ready` event)."""
    t0 = time.perf_counter()
    proc = start_kiosk(config, display, "ready")
    elapsed = None
    for e in events(proc):
        if e.get("event") == "kiosk.ready":
            elapsed = time.perf_counter() - t0
    proc.wait(timeout=60)
    if elapsed is None or proc.returncode != 0:
        raise RuntimeError(f"kiosk did not come up (exit {proc.returncode})")
    return elapsed


def memory_over_sessions(
    config: Path, display: str, sessions: int
) -> tuple[list[float], list[float]]:
    """RSS and USS (memory only this process holds) in MB after each scripted session."""
    proc = start_kiosk(config, display, "journey", "--repeat", str(sessions))
    ps = psutil.Process(proc.pid)
    rss: list[float] = []
    uss: list[float] = []
    for e in events(proc):
        if e.get("event") == "autoplay.iteration":
            info = ps.memory_full_info()
            rss.append(info.rss / 2**20)
            uss.append(info.uss / 2**20)
        elif e.get("event") == "autoplay.failed":
            raise RuntimeError(f"scripted session failed: {e.get('reason')}")
    proc.wait(timeout=60)
    return rss, uss


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-up runs (default 5)")
    parser.add_argument("--sessions", type=int, default=50, help="sessions for memory (default 50)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    try:
        with VirtualScreen() as screen:
            api = f"http://127.0.0.1:{free_port()}"  # nothing listens: uploads are not measured
            cold, warm = [], []
            for i in range(args.runs):
                # Cold: a new data directory (keys generated, database created) each run.
                config = write_kiosk_config(work / f"cold{i}.toml", work / f"cold{i}", api)
                cold.append(time_to_ready(config, screen.display))
                warm.append(time_to_ready(config, screen.display))
            fast = {"countdown_s": 1, "done_dwell_s": 5.0}
            config = write_kiosk_config(work / "mem.toml", work / "mem", api, session=fast)
            rss, uss = memory_over_sessions(config, screen.display, args.sessions)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    growth = rss[-1] - rss[min(9, len(rss) - 1)]
    rows = [
        ("start to attract, new data dir (s)", statistics.median(cold), spread(cold), START_GOAL_S),
        (
            "start to attract, existing data (s)",
            statistics.median(warm),
            spread(warm),
            START_GOAL_S,
        ),
        (f"RSS after {len(rss)} sessions (MB)", rss[-1], spread(rss), RSS_GOAL_MB),
        (f"RSS growth, sessions 10→{len(rss)} (MB)", growth, "", GROWTH_GOAL_MB),
        (f"USS after {len(uss)} sessions (MB)", uss[-1], spread(uss), RSS_GOAL_MB),
    ]
    print(f"\nkiosk benchmark ({args.runs} start-up runs each, {len(rss)} sessions)\n")
    print(f"{'measure':42} {'median/value':>13} {'spread':>14} {'goal':>7} {'ratio':>6}  ok")
    for name, value, rng, goal in rows:
        ok = "yes" if value <= goal else "NO"
        print(f"{name:42} {value:13.2f} {rng:>14} {goal:7.1f} {value / goal:6.2f}  {ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
