"""The kiosk's writer for the kill tests: reserve, seal, commit, over and over, until killed.

Prints `ready` once the store is open, then `committed <record id> <number>` after each commit
returns, flushed, so the test knows every record the writer had committed when SIGKILL came.
Run as `python tests/integration/kill_writer.py KIOSK_TOML`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.config import load_config  # noqa: E402
from kiosk.seal import Sealer  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from tests.synthetic_records import make_record  # noqa: E402


def main(config_path: str) -> None:
    config = load_config(Path(config_path))
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id)
    store = open_store(config)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    session = 0
    while True:
        session += 1
        number = store.numbers.reserve(
            config.device.county_code, config.sequence.first, config.sequence.last, f"k{session}"
        )
        record = make_record(config.device.id, number, photo_bytes=3000)
        store.commit_record(sealer.seal(record), number)
        out.write(f"committed {record.record_id} {number}\n")
        out.flush()


if __name__ == "__main__":
    main(sys.argv[1])
