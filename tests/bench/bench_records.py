"""Benchmark: enqueue latency (seal + commit, 40 KB photo) and draining 5,000 records.

Goals (issue "Records that are never lost"): enqueue p50 <= 15 ms; draining 5,000 queued records
to the reference server on loopback >= 300 records/s and >= 5x a plain one-request-at-a-time
client (a new connection per record, no batching) in the same run. Prints a table; not a test.
`python tests/bench/bench_records.py [--records 5000] [--plain 300]`
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from central_api_client.client import DeviceAuth, ProvincialApiClient  # noqa: E402
from kiosk.seal import Sealer, load_device_key  # noqa: E402
from kiosk.store import KioskStore  # noqa: E402
from kiosk.sync.drain import drain_once  # noqa: E402
from provisioning.devrun import ApiServer  # noqa: E402
from tests.synthetic_records import make_record  # noqa: E402

ENQUEUE_GOAL_MS = 15.0
DRAIN_GOAL_PER_S = 300.0
SPEEDUP_GOAL = 5.0


def enqueue(store: KioskStore, sealer: Sealer, n: int, photo_bytes: int) -> list[float]:
    """Per record: reserve a number, seal, commit; milliseconds of seal + commit."""
    timings = []
    for i in range(n):
        number = store.numbers.reserve("4301", 1, 9999, f"b{i}")
        record = make_record(sequence_number=number, photo_bytes=photo_bytes)
        start = time.perf_counter()
        store.commit_record(sealer.seal(record), number)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def plain_upload(url: str, store: KioskStore, auth: DeviceAuth, n: int) -> float:
    """Records per second of the naive client: one PUT at a time, a new connection each."""
    entries = store.outbox.queued(n)
    start = time.perf_counter()
    for entry in entries:
        with httpx.Client(base_url=url, timeout=10) as http:
            client = ProvincialApiClient(url, auth=auth, http=http)
            ack = client.put_record(entry.record)
        store.outbox.mark_acknowledged([(entry.record_id, ack.received_at, ack.sha256)])
    return len(entries) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--plain", type=int, default=300, help="records for the naive client")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--per-request", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sealer = Sealer.from_keys_dir(tmp / "keys", "SIM-0001")
        auth = DeviceAuth("SIM-0001", load_device_key(tmp / "keys"))
        with KioskStore(tmp / "kiosk.sqlite", min_free_bytes=0) as store, \
                ApiServer(tmp / "api.sqlite") as server:
            timings = enqueue(store, sealer, 200, 40_000)
            p50 = statistics.median(timings)
            p95 = statistics.quantiles(timings, n=20)[-1]
            plain_rate = plain_upload(server.url, store, auth, min(args.plain, 200))
            enqueue(store, sealer, args.records - store.outbox.counts_by_state()["queued"], 30_000)
            queued = store.outbox.counts_by_state()["queued"]
            with ProvincialApiClient(server.url, auth=auth,
                                     max_connections=args.concurrency) as client:
                start = time.perf_counter()
                report = drain_once(store, client, args.batch, concurrency=args.concurrency,
                                    records_per_request=args.per_request)
                elapsed = time.perf_counter() - start
            assert report.ok and len(report.acknowledged) == queued, report.transient_error
            rate = queued / elapsed
    rows = [
        ("enqueue p50 (40 KB photo)", f"{p50:.2f} ms", f"<= {ENQUEUE_GOAL_MS} ms",
         p50 <= ENQUEUE_GOAL_MS),
        ("enqueue p95", f"{p95:.2f} ms", "", True),
        (f"drain {queued} records", f"{rate:.0f} rec/s ({elapsed:.1f} s)",
         f">= {DRAIN_GOAL_PER_S:.0f} rec/s", rate >= DRAIN_GOAL_PER_S),
        ("one-at-a-time client", f"{plain_rate:.0f} rec/s", "", True),
        ("speed-up", f"{rate / plain_rate:.1f}x", f">= {SPEEDUP_GOAL}x",
         rate / plain_rate >= SPEEDUP_GOAL),
    ]
    for name, value, goal, ok in rows:
        print(f"{name:28} {value:>22} {goal:>16} {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
