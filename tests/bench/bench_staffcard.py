"""Benchmark: a staff card through pcscd + vpcd and the PIV emulator, as the PIN pad waits.

Two figures, each the median over runs: card inserted (the emulator connects to vpcd) ->
`identify()` done (two certificates read and checked, key 9E's challenge), which is when the
PIN pad can open, goal <= 0.5 s; correct PIN -> `sign_in()` done (VERIFY, key 9A's challenge),
goal <= 1.0 s. The first includes pcscd noticing the card (it polls the virtual reader;
a USB CCID reader reports at once); the table shows identify() alone beside it.
`python tests/bench/bench_staffcard.py [--runs 9]`; skipped without pcscd and vpcd.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hardware.staffcard.pcsc import open_staffcard_reader  # noqa: E402
from hardware.staffcard.sim.vpcd import VirtualCard  # noqa: E402
from provisioning.admin.staff_ca import pem  # noqa: E402
from tests.bench.benchlib import Table, at_most  # noqa: E402
from tests.integration.pcsc_server import PrivatePcscd, missing_packages  # noqa: E402
from tests.integration.staff_cards import COUNTY, make_ca, make_card  # noqa: E402

PIN = "24681357"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    why = missing_packages()
    if why is not None:
        print(f"bench_staffcard: skipped, {why}")
        return 0
    to_pin_pad, identify_only, to_signed_in = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        ca = make_ca(Path(tmp) / "ca")
        card_file = make_card(Path(tmp) / "card.json", ca, role="supervisor", pin=PIN)
        pcscd = PrivatePcscd().start()
        reader = open_staffcard_reader(pcscd.reader_uri, ca_pem=pem(ca.cert), county=COUNTY)
        try:
            for _ in range(args.runs):
                done = threading.Event()
                seen: dict = {}

                def inserted(card, seen=seen, done=done) -> None:
                    seen["at"] = time.perf_counter()
                    card.identify()
                    seen["identified"] = time.perf_counter()
                    seen["card"] = card
                    done.set()

                watcher = open_staffcard_reader(pcscd.reader_uri, ca_pem=pem(ca.cert),
                                                county=COUNTY)
                watcher.watch(inserted, lambda: None)
                time.sleep(0.3)  # the watcher has seen the reader empty
                card = VirtualCard(card_file, pcscd.port)
                start = time.perf_counter()
                card.insert()
                if not done.wait(5):
                    raise SystemExit("the card was never reported")
                to_pin_pad.append(seen["identified"] - start)
                identify_only.append(seen["identified"] - seen["at"])
                begin = time.perf_counter()
                seen["card"].sign_in(PIN)
                to_signed_in.append(time.perf_counter() - begin)
                card.remove()
                pcscd.wait_for(present=False)
                watcher.close()
        finally:
            reader.close()
            pcscd.stop()
    table = Table("Staff card through pcscd + vpcd (PIV emulator, P-256)")
    ms = 1000.0
    table.add("card inserted -> identify() done", [t * ms for t in to_pin_pad], " ms",
              at_most(500))
    table.add("  of which identify() itself", [t * ms for t in identify_only], " ms")
    table.add("correct PIN -> sign_in() done", [t * ms for t in to_signed_in], " ms",
              at_most(1000))
    table.note("the first figure includes pcscd polling the virtual reader for the card; "
               "identify() alone is the card's and the kiosk's part")
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
