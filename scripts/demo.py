"""`make run`: the kiosk on simulated hardware beside the reference provincial API.

With a display, the kiosk window opens for a person to walk through (the simulator buttons at the
bottom place a card). Without one, a scripted candidate walks through on a virtual screen, every
screen is saved to demo-shots/, and the run checks that the record reached the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.play import command as play_command  # noqa: E402
from kiosk.store import KioskStore  # noqa: E402
from provisioning.devrun import (  # noqa: E402
    BIN,
    ApiServer,
    VirtualScreen,
    kiosk_command,
    write_kiosk_config,
)

RUN_DIR = ROOT / ".run"
SHOTS = ROOT / "demo-shots"
DEMO_POINT = "示例报名点一"


def say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def interactive(config: Path) -> int:
    say("opening the kiosk window; close it to stop")
    return subprocess.call(kiosk_command(config))


def headless(config: Path, data_dir: Path, server: ApiServer) -> int:
    for old in SHOTS.glob("*.png"):
        old.unlink()
    log_path = RUN_DIR / "kiosk.log"
    with VirtualScreen() as screen:
        say(f"no DISPLAY: running the kiosk on a virtual screen ({screen.display})")
        env = {**os.environ, "DISPLAY": screen.display}
        uploader = None
        try:
            say("a scripted candidate walks through every screen…")
            with open(log_path, "wb") as log:
                code = subprocess.call(
                    play_command(BIN / "python", config, "journey", "--no-uploader",
                                 "--size", "1920x1080", "--shots", str(SHOTS)),
                    env=env, stdout=log, stderr=subprocess.STDOUT,
                )
            if code != 0:
                say(f"the scripted session failed (exit {code}); see {log_path}")
                return code
            with KioskStore(data_dir / "kiosk.sqlite") as store:
                newest = store.outbox.newest_record_id()
            say(f"record {newest} sealed and queued; starting the uploader…")
            uploader = subprocess.Popen(
                [str(BIN / "kiosk-uploader"), "--simulate", "--config", str(config)],
                stdout=open(RUN_DIR / "uploader.log", "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + 30
            held = None
            while time.monotonic() < deadline and held is None:
                held = server.record(newest)
                time.sleep(0.3)
        finally:
            if uploader is not None:
                uploader.terminate()
                uploader.wait(timeout=10)
    shots = sorted(SHOTS.glob("*.png"))
    say(f"{len(shots)} screenshots in {SHOTS}/:")
    for shot in shots:
        print(f"  {shot.relative_to(ROOT)}")
    if held is None:
        say("the record did NOT reach the server within 30 s")
        return 1
    say(f"the provincial API holds record {newest} (sha256 {held['sha256'][:16]}…, "
        f"received {held['received_at']})")
    return 0


def demo_candidates(server: ApiServer) -> str:
    """Synthetic candidates' online data in the demo province (the `confirm` and
    `adult-confirm` journeys look them up): 200 of each exam at the demo point."""
    from devtools.synthetic_candidates import generate, write_csv

    people = [p.candidate for p in generate(200, point=DEMO_POINT)
              + generate(200, point=DEMO_POINT, exam="adult", start=1000)]
    path = RUN_DIR / "demo-candidates.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(people, out)
    return server.import_candidates(path)


def main() -> int:
    RUN_DIR.mkdir(exist_ok=True)
    SHOTS.mkdir(exist_ok=True)
    data_dir = RUN_DIR / "kiosk-data"
    with ApiServer(RUN_DIR / "provincial-api.sqlite", log_path=RUN_DIR / "api.log") as server:
        say(f"reference provincial API on {server.url}")
        say(demo_candidates(server))
        config = write_kiosk_config(RUN_DIR / "kiosk.toml", data_dir, server.url,
                                    server.receipt_public_key)
        if os.environ.get("DISPLAY"):
            return interactive(config)
        return headless(config, data_dir, server)


if __name__ == "__main__":
    sys.exit(main())
