"""What every benchmark shares: percentiles, a table of median and spread over runs, goals.

A benchmark measures a figure several times (runs), prints one line per figure with its median
and spread (min-max over the runs), the goal and whether it was met, and exits non-zero when a
goal is missed. A ratio against a baseline is computed run by run, baseline and candidate
measured in the same process on the same input, so machine load hits both alike. The header
names the machine's load, because on a shared machine absolute figures mean little without it.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile by nearest rank (p99 of 500 values is the 495th smallest): a
    value that was measured, never one interpolated between two."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Goal:
    """`at_most` or `at_least` a bound, judged on the median over the runs."""

    bound: float
    at_most: bool

    def met(self, value: float) -> bool:
        return value <= self.bound if self.at_most else value >= self.bound

    def text(self, unit: str) -> str:
        return f"{'<=' if self.at_most else '>='} {_number(self.bound)}{unit}"


def at_most(bound: float) -> Goal:
    return Goal(bound, at_most=True)


def at_least(bound: float) -> Goal:
    return Goal(bound, at_most=False)


@dataclass
class Row:
    name: str
    runs: list[float]
    unit: str
    goal: Goal | None

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def ok(self) -> bool:
        return self.goal is None or self.goal.met(self.median)


@dataclass
class Table:
    """One benchmark's figures; `print()` then `exit_code()`."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, runs: Sequence[float], unit: str = "",
            goal: Goal | None = None) -> Row:
        row = Row(name, list(runs), unit, goal)
        self.rows.append(row)
        return row

    def note(self, text: str) -> None:
        self.notes.append(text)

    def print(self) -> None:
        print(f"\n{self.title}")
        print(f"  machine: {machine_load()}")
        header = f"  {'figure':40} {'median':>14} {'spread (min-max)':>24} {'runs':>4}" \
                 f" {'goal':>14}  verdict"
        print(header)
        print("  " + "-" * (len(header) - 2))
        for row in self.rows:
            spread = f"{_number(min(row.runs))}-{_number(max(row.runs))}{row.unit}"
            goal = row.goal.text(row.unit) if row.goal else ""
            verdict = ("ok" if row.ok else "MISSED") if row.goal else ""
            print(f"  {row.name:40} {_number(row.median) + row.unit:>14} {spread:>24}"
                  f" {len(row.runs):>4} {goal:>14}  {verdict}")
        for text in self.notes:
            print(f"  note: {text}")
        sys.stdout.flush()

    def exit_code(self) -> int:
        return 0 if all(row.ok for row in self.rows) else 1


def machine_load() -> str:
    """Load averages and cores, as `uptime` shows them: the context of every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def repeat(runs: int, measure: Callable[[int], float]) -> list[float]:
    """`measure(run_index)` `runs` times; the figures in order."""
    return [measure(i) for i in range(runs)]


def _number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


# -- a scripted kiosk, read through its log ------------------------------------------------


def play(config: Path, display: str, script: str, *args: str) -> subprocess.Popen:
    """`python -m devtools.play SCRIPT` on a simulated kiosk in `display`, its log on a pipe."""
    from devtools.play import command
    from provisioning.devrun import BIN

    return subprocess.Popen(
        command(BIN / "python", config, script, "--no-uploader", *args),
        env={**os.environ, "DISPLAY": display}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1,
    )


def log_events(proc: subprocess.Popen) -> Iterator[dict]:
    """The JSON log lines of `proc` as they come (other output skipped), each with `t`: its
    timestamp in seconds (the kiosk's own clock, to the millisecond)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and "ts" in entry:
            entry["t"] = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00")).timestamp()
            yield entry
