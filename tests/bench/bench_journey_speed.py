"""Benchmark: the journey's speed as a candidate feels it (issue 16), read from the kiosk's log.

A simulated kiosk (GA 467 simulator with the 0.8 s SAM of real readers, camera simulator, the
tests' own network receipt printer on loopback) plays the `brisk` candidate, who acts the moment
the kiosk lets them, several sessions in one process; each figure comes from that session's
log events (their timestamps, to the millisecond):

- card placed → identity on screen: `autoplay.place_card` → `session.identity_shown`;
- a well-placed face → photo taken, the countdown excluded: from the camera frame that first
  showed the face in place (`photo.face_in_place` less its `frame_age_s`) to the countdown
  (`photo.countdown_started`), plus the capture (`photo.captured`) to the review
  (`photo.review_shown`);
- signature done → login card fully sent: the tap on the sign screen's confirm →
  `printer.login_card_printed` (logged once the printer's status after the job came back);
- system-added waiting: every wait of the script on the kiosk (`autoplay.waited`) added up,
  less the countdown as it ran (countdown started → captured). The script checks its waits 30
  times a second, so each wait may read up to 33 ms long.

The first session is a warm-up (imports, the face cascades) and is left out. Prints a table;
exit 1 when a goal is missed. `python tests/bench/bench_journey_speed.py [--runs 5]`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from provisioning.devrun import VirtualScreen, free_port, write_kiosk_config  # noqa: E402
from tests.bench.benchlib import Table, at_most, log_events, play  # noqa: E402
from tests.escpos.fake_printer import FakeReceiptPrinter  # noqa: E402

CARD_GOAL_S = 1.2
PHOTO_GOAL_S = 1.0
PRINT_GOAL_S = 2.0
WAITING_GOAL_S = 5.0


def _first(events: list[dict], name: str, after: float = 0.0, **facts: object) -> dict:
    for e in events:
        if e["event"] == name and e["t"] >= after and all(e.get(k) == v
                                                          for k, v in facts.items()):
            return e
    raise RuntimeError(f"no {name} {facts or ''} in the session's log")


def session_figures(events: list[dict]) -> dict[str, float]:
    """One session's four figures, in seconds, from its log events in order."""
    placed = _first(events, "autoplay.place_card")
    shown = _first(events, "session.identity_shown", placed["t"])
    countdown = _first(events, "photo.countdown_started")
    in_place = [e for e in events if e["event"] == "photo.face_in_place"
                and e["t"] <= countdown["t"]][-1]
    captured = _first(events, "photo.captured", countdown["t"])
    review = _first(events, "photo.review_shown", captured["t"])
    signed = _first(events, "autoplay.tap", target="confirm", screen="sign")
    printed = _first(events, "printer.login_card_printed", signed["t"])
    counting = captured["t"] - countdown["t"]
    waited = sum(float(e["seconds"]) for e in events if e["event"] == "autoplay.waited")
    face_at = in_place["t"] - float(in_place["frame_age_s"])
    return {
        "card": shown["t"] - placed["t"],
        "photo": (countdown["t"] - face_at) + (review["t"] - captured["t"]),
        "print": printed["t"] - signed["t"],
        "waiting": waited - counting,
    }


def sessions(config: Path, display: str, count: int) -> list[dict[str, float]]:
    """`count` brisk sessions after one warm-up: each one's figures."""
    proc = play(config, display, "brisk", "--repeat", str(count + 1))
    figures, current = [], []
    for e in log_events(proc):
        if e["event"] == "autoplay.failed":
            proc.kill()
            raise RuntimeError(f"scripted session failed: {e.get('reason')}")
        if e["event"] == "autoplay.iteration":
            if int(e["iteration"]) > 1:
                figures.append(session_figures(current))
            current = []
        else:
            current.append(e)
    proc.wait(timeout=60)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="sessions measured (default 5)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kiosk-speed-"))
    try:
        with VirtualScreen() as screen, FakeReceiptPrinter("ready") as printer:
            config = write_kiosk_config(
                work / "k.toml", work / "data", f"http://127.0.0.1:{free_port()}",
                devices={"printer": printer.uri, "camera": "sim://?fps=30"},
            )
            runs = sessions(config, screen.display, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = Table(f"the journey's speed, brisk candidate, 0.8 s SAM, 1920x1080 on Xvfb "
                  f"({len(runs)} sessions after a warm-up)")
    table.add("card placed → identity on screen", [r["card"] for r in runs], "s",
              at_most(CARD_GOAL_S))
    table.add("face in place → photo (no countdown)", [r["photo"] for r in runs], "s",
              at_most(PHOTO_GOAL_S))
    table.add("signature done → login card sent", [r["print"] for r in runs], "s",
              at_most(PRINT_GOAL_S))
    table.add("system-added waiting, whole journey", [r["waiting"] for r in runs], "s",
              at_most(WAITING_GOAL_S))
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
