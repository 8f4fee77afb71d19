"""Benchmark: the reference server on PostgreSQL, 200 simulated kiosks draining at once.

Goals (issue 10): >= 1,000 records/s through the fleet, p99 acknowledgement <= 1 s. Real
parts: a throwaway PostgreSQL cluster (as the tests start one), a `provincial-api serve
--db postgresql://...` process, and kiosks each with its own device key (enrolled on first
use, development enrolment) signing every request and verifying every receipt with the
province's receipt key. The kiosks run as threads in `--workers` load processes (so one
process's GIL does not throttle the fleet); each uploads its own sealed records in requests
of the uploader's size, one request in flight, as its uploader's batch endpoint does. Their
outboxes are left out: the kiosk side is `bench_drain.py`'s; here the server is measured.
An acknowledgement's time is its request's, from sending to the verified receipt, counted
once per record. Prints a table; not a test.
`python tests/bench/bench_fleet_pg.py [--runs 3] [--kiosks 200] [--records 25]`
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

from central_api_client.client import Ack, DeviceAuth, ProvincialApiClient  # noqa: E402
from central_api_client.opening import load_public_pem  # noqa: E402
from kiosk.config import UploadConfig  # noqa: E402
from kiosk.seal import Sealer, load_device_key  # noqa: E402
from provisioning.devrun import ApiServer  # noqa: E402
from tests.bench.benchlib import Table, at_least, at_most, percentile  # noqa: E402
from tests.integration.postgres_server import find_bin_dir, start_cluster  # noqa: E402
from tests.synthetic_records import make_record  # noqa: E402

RATE_GOAL_PER_S = 1000.0
P99_GOAL_S = 1.0


def kiosk_thread(url: str, receipt_key: Ed25519PublicKey, keys: Path, device_id: str,
                 records: int, per_request: int, photo_bytes: int, ready: threading.Barrier,
                 go: threading.Event, out: list[tuple[float, float, int]]) -> None:
    """One kiosk: seal its records, wait for the start, upload them; (start, end, records)
    of each request, every receipt verified by the client."""
    sealer = Sealer.from_keys_dir(keys, device_id)
    sealed = [sealer.seal(make_record(device_id, photo_bytes=photo_bytes))
              for _ in range(records)]
    auth = DeviceAuth(device_id, load_device_key(keys))
    with ProvincialApiClient(url, auth=auth, receipt_key=receipt_key, max_connections=1,
                             timeout=120) as client:
        ready.wait()  # (connecting is part of the drain, as for an uploader waking up)
        go.wait()
        for i in range(0, records, per_request):
            chunk = sealed[i:i + per_request]
            start = time.monotonic()
            outcomes = client.put_records(chunk)
            end = time.monotonic()
            if not all(isinstance(o, Ack) for o in outcomes):
                raise RuntimeError(f"{device_id}: a record was refused")
            out.append((start, end, len(chunk)))


def worker(spec: dict) -> None:
    """A load process: its kiosks as threads; prints "ready", starts on a line on stdin,
    prints its requests' timings as JSON."""
    key: Ed25519PublicKey = load_public_pem(Path(spec["receipt_key"]), Ed25519PublicKey)
    go = threading.Event()
    ready = threading.Barrier(len(spec["kiosks"]) + 1)
    results: list[tuple[float, float, int]] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            kiosk_thread(spec["url"], key, Path(spec["keys"]) / f"k{index}",
                         f"FLEET-{index:04d}", spec["records"], spec["per_request"],
                         spec["photo"], ready, go, results)
        except BaseException as exc:  # reported by the parent, which fails the run
            errors.append(exc)
            ready.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in spec["kiosks"]]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a kiosk failed: reported below
        ready.wait()  # every kiosk has sealed its records and connected
    print("ready", flush=True)
    sys.stdin.readline()
    go.set()
    for thread in threads:
        thread.join()
    print(json.dumps({"requests": results, "errors": [repr(e)[:200] for e in errors]}),
          flush=True)


def one_run(root: Path, url_db: str, args: argparse.Namespace, run: int) -> tuple[float, float]:
    """(records per second, p99 acknowledgement seconds) of one fleet drain."""
    folder = root / f"run{run}"
    folder.mkdir()
    with ApiServer(url_db, log_path=folder / "api.log",
                   receipt_key=folder / "receipt.pem") as server:
        per = args.kiosks // args.workers
        procs = []
        for w in range(args.workers):
            kiosks = list(range(w * per, args.kiosks if w == args.workers - 1 else (w + 1) * per))
            spec = {"url": server.url, "receipt_key": str(server.receipt_public_key),
                    "keys": str(folder / "keys"), "kiosks": kiosks, "records": args.records,
                    "per_request": args.per_request, "photo": args.photo}
            procs.append(subprocess.Popen(
                [sys.executable, __file__, "--worker", json.dumps(spec)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True))
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a load process did not start")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        requests: list[tuple[float, float, int]] = []
        for proc in procs:
            out, _ = proc.communicate(timeout=1800)
            answer = json.loads(out.strip().splitlines()[-1])
            if answer["errors"]:
                raise RuntimeError(f"kiosks failed: {answer['errors'][:3]}")
            requests.extend(tuple(r) for r in answer["requests"])
    total = sum(n for *_, n in requests)
    if total != args.kiosks * args.records:
        raise RuntimeError(f"{total} records acknowledged of {args.kiosks * args.records}")
    elapsed = max(end for _, end, _ in requests) - min(start for start, _, _ in requests)
    latencies = [end - start for start, end, n in requests for _ in range(n)]
    return total / elapsed, percentile(latencies, 99)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--records", type=int, default=25, help="records per kiosk")
    parser.add_argument("--per-request", type=int, default=UploadConfig().records_per_request)
    parser.add_argument("--photo", type=int, default=40_000, help="photo bytes")
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL is not installed (initdb, pg_ctl): run `make install`")
        return 1
    rates, p99s = [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        cluster = start_cluster(bin_dir)
        try:
            for run in range(args.runs):
                url_db = cluster.create_database(f"fleet{run}")
                rate, p99 = one_run(Path(tmp_name), url_db, args, run)
                rates.append(rate)
                p99s.append(p99)
        finally:
            cluster.stop()
    table = Table(f"{args.kiosks} kiosks draining {args.records} records each"
                  f" ({args.photo // 1000} KB photo, {args.per_request}/request) to"
                  " `provincial-api serve` on PostgreSQL")
    table.add("records acknowledged per second", rates, " rec/s", at_least(RATE_GOAL_PER_S))
    table.add("p99 acknowledgement", p99s, " s", at_most(P99_GOAL_S))
    table.note(f"load: {args.workers} processes of kiosk threads on the same machine as the"
               " server and PostgreSQL")
    # Little's law: all kiosks start at once with a request each, so the last of those first
    # requests waits for every record ahead of it, whatever the order the server takes them in.
    floor = args.kiosks * args.per_request / statistics.median(rates)
    table.note(f"at the measured rate, {args.kiosks} first requests of {args.per_request}"
               f" records take {floor:.1f} s to serve: a floor under the slowest"
               " acknowledgement; at 1,000 rec/s it would be"
               f" {args.kiosks * args.per_request / RATE_GOAL_PER_S:.1f} s")
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
