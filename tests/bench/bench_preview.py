"""Benchmark: frames per second the Kivy photo screen shows, and CPU use while previewing.

Goal (photo issue): ≥ 29 fps with the camera simulator at 30 fps, in a real window on Xvfb,
with the live face analysis running beside the preview as it does for a candidate. CPU is the
kiosk process's, in % of one core (this machine has 2). Prints a table over several runs; not
a test. `python tests/bench/bench_preview.py [--runs 3]`.
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
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from devtools.play import command as play_command  # noqa: E402
from provisioning.devrun import BIN, VirtualScreen, free_port, write_kiosk_config  # noqa: E402

FPS_GOAL = 29.0


def one_run(config: Path, display: str) -> tuple[float, float, float]:
    """(frames shown per second, frames analysed per second, CPU % of one core)."""
    proc = subprocess.Popen(
        play_command(BIN / "python", config, "preview-rate", "--no-uploader"),
        env={**os.environ, "DISPLAY": display}, stdout=subprocess.PIPE, text=True, bufsize=1,
    )
    ps = psutil.Process(proc.pid)
    samples: list[float] = []
    holding = threading.Event()

    def sample() -> None:
        ps.cpu_percent(None)
        while proc.poll() is None:
            time.sleep(1.0)
            if holding.is_set():
                try:
                    samples.append(ps.cpu_percent(None))
                except psutil.NoSuchProcess:
                    return

    threading.Thread(target=sample, daemon=True).start()
    fps = analysed = None
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            continue
        if e.get("event") == "autoplay.tap" and e.get("target") == "confirm":
            holding.set()
        if e.get("event") == "autoplay.preview_rate":
            fps, analysed = float(e["fps"]), float(e["analysed_fps"])
            holding.clear()
    proc.wait(timeout=60)
    if fps is None or analysed is None:
        raise RuntimeError("the preview run did not report a rate")
    return fps, analysed, statistics.median(samples[2:] or samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kiosk-preview-"))
    try:
        with VirtualScreen() as screen:
            config = write_kiosk_config(
                work / "k.toml", work / "data", f"http://127.0.0.1:{free_port()}",
                devices={"camera": "sim://?fps=30"},
                # Stay in the live preview (never auto-capture): the analysis thread runs
                # throughout, as it does while a candidate is being guided.
                photo={"good_frames": 10**6},
            )
            runs = [one_run(config, screen.display) for _ in range(args.runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fps = [r[0] for r in runs]
    analysed = [r[1] for r in runs]
    cpu = [r[2] for r in runs]
    print(f"\nphoto preview, camera simulator at 30 fps, 1920x1080 on Xvfb, {args.runs} runs\n")
    print(f"{'measure':34} {'median':>8} {'spread':>14} {'goal':>6}  ok")
    ok = "yes" if statistics.median(fps) >= FPS_GOAL else "NO"
    print(f"{'frames shown per second':34} {statistics.median(fps):8.1f} "
          f"{min(fps):6.1f}–{max(fps):<6.1f} {FPS_GOAL:6.0f}  {ok}")
    print(f"{'frames analysed per second':34} {statistics.median(analysed):8.1f} "
          f"{min(analysed):6.1f}–{max(analysed):<6.1f}")
    print(f"{'kiosk CPU while previewing (%)':34} {statistics.median(cpu):8.0f} "
          f"{min(cpu):6.0f}–{max(cpu):<6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
