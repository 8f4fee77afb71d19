"""Benchmark: print effect → last byte at the printer, login card, network printer on loopback.

Goal (issue 11): ≤ 0.5 s median from the shell's print effect to the last byte the printer
receives (the card rendered with the CJK font and QR code, DLE EOT before and after, the
raster blocks, the cut). Runs the real EffectRunner and ESC/POS adapter against the tests' own
network printer; shows the bytes per card. Prints a table; exit 1 if the goal is missed.
`python tests/bench/bench_print.py [--runs 15]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hardware.printer import open_printer  # noqa: E402
from kiosk.config import Config  # noqa: E402
from kiosk.core import events as ev  # noqa: E402
from kiosk.core.login_card import LoginCard  # noqa: E402
from kiosk.effects import EffectRunner  # noqa: E402
from kiosk.fonts import cjk_font_path  # noqa: E402
from tests.escpos.fake_printer import FakeReceiptPrinter  # noqa: E402

GOAL_S = 0.5


def _card(n: int) -> LoginCard:
    return LoginCard(sequence_number=f"4301{n:04d}", initial_password="20481357", name="测试甲",
                     masked_id_number="430102********0000", web_address="",
                     printed_at=datetime(2026, 11, 24, 9, 30))


def run(width: int, runs: int, font: Path, tmp: Path) -> tuple[list[float], list[float], int]:
    """Seconds to the last byte, seconds until the effect returned, bytes of one card."""
    to_last, to_return, sizes = [], [], []
    with FakeReceiptPrinter("ready") as fake:
        printer = open_printer(f"{fake.uri}&width={width}", tmp, font)
        # Only the printer is touched by PrintLoginCard; the store and sealer are not needed.
        runner = EffectRunner(Config(data_dir=tmp), None, None, printer,  # type: ignore[arg-type]
                              hasher=object())  # type: ignore[arg-type]
        for i in range(runs + 1):
            before = len(fake.received)
            start = time.perf_counter()
            outcome = runner.run(ev.PrintLoginCard("bench", _card(i)))
            returned = time.perf_counter()
            if not isinstance(outcome, ev.Printed):
                raise RuntimeError(f"not printed: {outcome}")
            deadline = time.monotonic() + 5
            while len(fake.status_queries) < 8 * (i + 1) and time.monotonic() < deadline:
                time.sleep(0.001)
            if i:  # the first run loads the font and warms caches
                to_last.append(fake.last_byte_at - start)
                to_return.append(returned - start)
                sizes.append(len(fake.received) - before)
    return to_last, to_return, int(statistics.median(sizes))


def row(label: str, values: list[float], goal: str, verdict: bool | None) -> str:
    med = statistics.median(values)
    spread = f"{min(values):.3f}–{max(values):.3f}"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    mark = "" if verdict is None else ("PASS" if verdict else "FAIL")
    return f"{label:<46} {med:>7.3f}s {spread:>13} {sd:>7.3f} {goal:>8} {mark:>5}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    font = cjk_font_path()
    ok = True
    print(f"{'login card, loopback ESC/POS printer':<46} {'median':>8} {'min–max':>13} "
          f"{'stdev':>7} {'goal':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        sizes = {}
        for width in (576, 384):
            last, returned, size = run(width, args.runs, font, Path(tmp))
            sizes[width] = size
            passed = statistics.median(last) <= GOAL_S
            ok &= passed
            print(row(f"{width} dots: effect → last byte at the printer", last,
                      f"≤{GOAL_S}s", passed))
            print(row(f"{width} dots: effect → effect returned", returned, "", None))
    for width, size in sizes.items():
        print(f"bytes per card at {width} dots: {size} ({size / 1024:.1f} KiB)")
    print(f"runs: {args.runs} each, after one warm-up")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
