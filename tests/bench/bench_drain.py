"""Benchmark: draining 5,000 queued records to the reference server on loopback.

Goals (issue 10): >= 1,000 records/s over 5 runs, and >= 10x a one-request-at-a-time client
uploading the same records. Real parts: a `provincial-api serve` process (its own SQLite file,
fresh each run), the kiosk's store on a real file, signed requests, every receipt verified and
stored. The same queue (sealed once, copied for each run) is drained by `drain_once` as the
uploader runs it, and its first `--plain` records by the plain client: one PUT at a time, a new
connection each, each acknowledgement committed before the next. Prints a table; not a test.
`python tests/bench/bench_drain.py [--runs 5] [--records 5000] [--plain 300]`
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402
import psutil  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

from central_api_client.client import DeviceAuth, ProvincialApiClient  # noqa: E402
from central_api_client.opening import load_public_pem  # noqa: E402
from kiosk.config import UploadConfig  # noqa: E402
from kiosk.seal import Sealer, load_device_key  # noqa: E402
from kiosk.store import KioskStore  # noqa: E402
from kiosk.sync.drain import drain_once  # noqa: E402
from provisioning.devrun import ApiServer  # noqa: E402
from tests.bench.benchlib import Table, at_least  # noqa: E402
from tests.synthetic_records import make_record  # noqa: E402

DRAIN_GOAL_PER_S = 1000.0
SPEEDUP_GOAL = 10.0
DEVICE = "SIM-0001"


def fill(path: Path, sealer: Sealer, n: int, photo_bytes: int) -> None:
    """A kiosk database holding `n` sealed records, saved as the kiosk saves them."""
    with KioskStore(path, min_free_bytes=0) as store:
        for i in range(n):
            number = store.numbers.reserve("4301", 1, 9999, f"bench-{i}")
            store.commit_record(sealer.seal(make_record(sequence_number=number,
                                                        photo_bytes=photo_bytes)), number)
        store.connection.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # copied next


def receipt_key(server: ApiServer) -> Ed25519PublicKey:
    key: Ed25519PublicKey = load_public_pem(server.receipt_public_key, Ed25519PublicKey)
    return key


@contextmanager
def copy_of(template: Path, folder: Path) -> Iterator[KioskStore]:
    """A fresh copy of the filled kiosk database, opened as the uploader opens it."""
    folder.mkdir()
    shutil.copyfile(template, folder / "kiosk.sqlite")
    with KioskStore(folder / "kiosk.sqlite", min_free_bytes=0) as store:
        yield store


@dataclass
class Drained:
    """One drain: records per second, and the CPU it cost each side per record."""

    rate: float
    kiosk_cpu_ms: float
    server_cpu_ms: float


def server_cpu_s(server: ApiServer) -> float:
    assert server.pid is not None
    times = psutil.Process(server.pid).cpu_times()
    return float(times.user + times.system)


def drain_rate(store: KioskStore, server: ApiServer, auth: DeviceAuth,
               upload: UploadConfig) -> Drained:
    """`drain_once` with the uploader's settings, every record acknowledged."""
    queued = store.outbox.count_unacknowledged()
    with ProvincialApiClient(server.url, auth=auth, receipt_key=receipt_key(server),
                             max_connections=upload.concurrency) as client:
        server_cpu, kiosk_cpu = server_cpu_s(server), time.process_time()
        start = time.perf_counter()
        report = drain_once(store, client, upload.batch_size, concurrency=upload.concurrency,
                            records_per_request=upload.records_per_request)
        elapsed = time.perf_counter() - start
        kiosk_cpu, server_cpu = time.process_time() - kiosk_cpu, server_cpu_s(server) - server_cpu
    if not report.ok or len(report.acknowledged) != queued:
        raise RuntimeError(f"drain incomplete: {report.transient_error or report.rejected}")
    return Drained(queued / elapsed, kiosk_cpu / queued * 1000, server_cpu / queued * 1000)


def plain_rate(store: KioskStore, server: ApiServer, auth: DeviceAuth, n: int) -> float:
    """Records per second of the naive client: one PUT at a time, a new connection each,
    its receipt verified and committed before the next."""
    entries = store.outbox.queued(n)
    key = receipt_key(server)
    start = time.perf_counter()
    for entry in entries:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            client = ProvincialApiClient(server.url, auth=auth, http=http, receipt_key=key)
            ack = client.put_record(entry.record)
        store.outbox.mark_acknowledged([ack.receipt])
    return len(entries) / (time.perf_counter() - start)


def main() -> int:
    defaults = UploadConfig()
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--plain", type=int, default=300, help="records for the naive client")
    parser.add_argument("--photo", type=int, default=40_000, help="photo bytes")
    parser.add_argument("--batch", type=int, default=defaults.batch_size)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--per-request", type=int, default=defaults.records_per_request)
    parser.add_argument("--busy-after", type=float, default=None,
                        help="`serve --busy-after` (default: the server's; 0: no admission)")
    args = parser.parse_args()
    busy = () if args.busy_after is None else ("--busy-after", str(args.busy_after))
    upload = UploadConfig(batch_size=args.batch, concurrency=args.concurrency,
                          records_per_request=args.per_request)
    drains: list[Drained] = []
    plains, ratios = [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sealer = Sealer.from_keys_dir(tmp / "keys", DEVICE)
        auth = DeviceAuth(DEVICE, load_device_key(tmp / "keys"))
        template = tmp / "template.sqlite"
        fill(template, sealer, args.records, args.photo)
        for run in range(args.runs):
            with copy_of(template, tmp / f"plain{run}") as store, \
                    ApiServer(tmp / f"plain{run}" / "api.sqlite") as server:
                plains.append(plain_rate(store, server, auth, args.plain))
            with copy_of(template, tmp / f"drain{run}") as store, \
                    ApiServer(tmp / f"drain{run}" / "api.sqlite", extra=busy) as server:
                drains.append(drain_rate(store, server, auth, upload))
            ratios.append(drains[-1].rate / plains[-1])
            shutil.rmtree(tmp / f"plain{run}")
            shutil.rmtree(tmp / f"drain{run}")
    table = Table(f"draining {args.records} records ({args.photo // 1000} KB photo) to"
                  " `provincial-api serve` on loopback, receipts verified and stored")
    table.add(f"drain (batch {upload.batch_size}, {upload.concurrency} in flight,"
              f" {upload.records_per_request}/request)", [d.rate for d in drains], " rec/s",
              at_least(DRAIN_GOAL_PER_S))
    table.add(f"one-at-a-time client ({args.plain} records)", plains, " rec/s")
    table.add("speed-up drain / one-at-a-time", ratios, "x", at_least(SPEEDUP_GOAL))
    table.add("kiosk CPU per record (uploader process)", [d.kiosk_cpu_ms for d in drains],
              " ms")
    table.add("server CPU per record (serve process)", [d.server_cpu_ms for d in drains],
              " ms")
    cores = os.cpu_count() or 1
    table.add(f"bound by CPU alone, {cores} idle cores",
              [min(cores, 2) * 1000 / (d.kiosk_cpu_ms + d.server_cpu_ms) for d in drains],
              " rec/s")
    table.note("each run: a fresh copy of the same queue and a fresh server for each client")
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
