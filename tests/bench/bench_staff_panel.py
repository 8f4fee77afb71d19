"""Benchmark: a staff card inserted -> the PIN pad drawn (goal <= 0.5 s); the right PIN's OK
lifted -> the panel drawn (goal <= 1.0 s), in a real Kivy window on a virtual screen
(`devtools.staff_scripts.staff_timing`), the card the project's PIV emulator behind
`kiosk --simulate`'s private pcscd + vpcd, read by the real PC/SC adapter (certificate chain,
challenge, VERIFY, key 9A). Median and spread over several rounds; exit 1 when a goal is
missed. `python tests/bench/bench_staff_panel.py [--rounds 8]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from provisioning.devrun import BIN, VirtualScreen, free_port, write_kiosk_config  # noqa: E402
from tests.bench.benchlib import Table, at_most  # noqa: E402
from tests.ui.staff_card_slot import make_staff_cards  # noqa: E402

PIN_PAD_GOAL_S = 0.5
PANEL_GOAL_S = 1.0


def timings(config: Path, cards: Path, display: str,
            rounds: int) -> tuple[list[float], list[float]]:
    proc = subprocess.run(
        [str(BIN / "python"), "-m", "tests.ui.staff_play", "staff-timing", "--simulate",
         "--config", str(config), "--no-uploader", "--repeat", str(rounds)],
        env={**os.environ, "DISPLAY": display, "STAFF_CARDS": str(cards)},
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    pin_pad, panel = [], []
    for line in proc.stdout.splitlines():
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            continue
        if e.get("event") == "autoplay.staff_timing":
            pin_pad.append(e["pin_pad_s"])
            panel.append(e["panel_s"])
    if proc.returncode != 0 or not pin_pad:
        raise RuntimeError(f"the staff timing run failed (exit {proc.returncode})")
    return pin_pad, panel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="staff-bench-"))
    try:
        with VirtualScreen() as screen:
            api = f"http://127.0.0.1:{free_port()}"  # nothing listens: uploads are not measured
            ca = make_staff_cards(work / "staff")
            config = write_kiosk_config(work / "kiosk.toml", work / "data", api,
                                        staff={"ca": str(ca)})
            pin_pad, panel = timings(config, work / "staff" / "cards", screen.display,
                                     args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = Table(f"staff panel: card to PIN pad, PIN to panel ({len(pin_pad)} rounds)")
    table.add("card inserted -> PIN pad drawn", pin_pad, " s", at_most(PIN_PAD_GOAL_S))
    table.add("right PIN -> panel drawn", panel, " s", at_most(PANEL_GOAL_S))
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
