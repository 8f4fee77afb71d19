"""The kiosk's own save path, over and over until killed: what a child of the kill and
power-cut tests runs.

It builds what `kiosk.wiring.build` builds for saving, in the same order: the store as the
kiosk opens it (voiding the numbers of sessions a kill cut short), the sealer, the effect
runner. Then, for one synthetic candidate after another, it runs the two effects the session
asks for: `ReserveNumber` when the candidate starts and `SaveRecord` when they finish (seal,
then one transaction storing the record, spending the number and auditing it). Lines on
stdout, each flushed before the next step (T: `time.monotonic()`, the clock the test reads):

    started T             the process is up, about to read its config
    opening T             about to open the store (creating or migrating it, recovering the WAL)
    opened T              the store is open
    open T                the keys are loaded too: the kiosk could take a candidate
    reserved NUMBER       the number shown to the candidate
    saved RECORD NUMBER   after `SaveRecord` returned `RecordSaved`: what the candidate is told
    failed CODE           an effect failed (the kiosk would say so); the loop ends

Run as `python tests/integration/save_loop.py KIOSK_TOML`, or forked by `kill_zygote.py`.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.config import load_config  # noqa: E402
from kiosk.core import events as ev  # noqa: E402
from kiosk.effects import EffectRunner  # noqa: E402
from kiosk.seal import Sealer  # noqa: E402
from kiosk.store import connection, open_kiosk_store  # noqa: E402
from tests.synthetic_records import make_record  # noqa: E402

PHOTO_BYTES = 3000


class NoPrinter:
    """Saving never prints; a login card asked of this loop would be a bug in it."""

    def print_login_card(self, card: object) -> None:
        raise AssertionError("the save loop prints nothing")


def main(config_path: str, out: TextIO = sys.stdout) -> int:
    # Only the power-cut test's proof that it notices a store that skips fsyncs sets this.
    connection.SYNCHRONOUS = os.environ.get("SAVE_LOOP_SYNCHRONOUS", connection.SYNCHRONOUS)
    out.write(f"started {time.monotonic():.6f}\n")
    out.flush()
    config = load_config(Path(config_path))
    out.write(f"opening {time.monotonic():.6f}\n")
    out.flush()
    store, _ = open_kiosk_store(config)
    out.write(f"opened {time.monotonic():.6f}\n")
    out.flush()
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id)
    runner = EffectRunner(config, store, sealer, NoPrinter())  # saving never prints
    out.write(f"open {time.monotonic():.6f}\n")
    out.flush()
    while True:
        session = uuid.uuid4().hex
        reserved = runner.run(ev.ReserveNumber(session))
        if not isinstance(reserved, ev.NumberReserved):
            out.write(f"failed {getattr(reserved, 'code', type(reserved).__name__)}\n")
            return 1
        out.write(f"reserved {reserved.number}\n")
        out.flush()
        record = make_record(config.device.id, reserved.number, photo_bytes=PHOTO_BYTES)
        saved = runner.run(ev.SaveRecord(session, record))
        if not isinstance(saved, ev.RecordSaved):
            out.write(f"failed {getattr(saved, 'code', type(saved).__name__)}\n")
            return 1
        out.write(f"saved {record.record_id} {reserved.number}\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
