"""Benchmark: the reference server on PostgreSQL, 200 simulated kiosks draining at once.

Goals (issue 10): >= 1,000 records/s through the fleet, p99 acknowledgement <= 1 s.

What runs: a throwaway PostgreSQL cluster (as the tests start one, checkpointed before each
run), a `provincial-api serve --db postgresql://... --workers 2` server (busy after
`--busy-after` s of work per process), and 200 kiosks, each with its own device key (enrolled
by one signed request before the fleet comes back), its own sealed records and its own
connection. Each kiosk drains its queue as its uploader does through the batch endpoint:
requests of the uploader's size (`UploadConfig.records_per_request`), one in flight, the next
sent once the previous one's receipts are verified; a busy answer's appointment is kept
(`kiosk.sync.backoff.busy_delay`) and the same records sent again. The kiosks are threads of
`--workers` load processes (so one GIL does not throttle the fleet); their outboxes are left
out (the kiosk's side is `bench_drain.py`'s), here the server is measured.

What is measured, per run:
- records acknowledged per second: every record of the fleet over the time from the first
  request sent (busy answers included) to the last receipt verified, with all kiosks
  starting at once (the goal's scenario: a fleet that was offline comes back together).
- acknowledgement latency, one value per record: from its accepted request's bytes going on
  the wire (httpx's request hook, after the kiosk signed it) to its answer arriving (the
  response hook), the time the province keeps a kiosk waiting on an open request. Beside it,
  busy answers per accepted request and the time from a record's first offer (before any
  busy answer) to its receipt. Not counted: the load process's own
  work before sending and after the answer (sealing, signing, verifying receipts), which on
  this machine queues behind 99 other kiosk threads for one GIL and two cores, while a real
  kiosk has its own CPU. The p99 is over records (a request's latency counts for each record
  in it), judged with all kiosks at once.
- the same latency when the kiosks' drains start spread out as uploaders wake (uniformly
  over the time the fleet's records take at the goal rate, so the fleet offers 1,000
  records/s): no goal, for comparison.
- CPU per record of each party: the server process, PostgreSQL (the postmaster and its
  backends) and the load processes (the kiosks' side, which real kiosks would not take from
  the server's machine): where the two cores go.

Why first offer to receipt has a floor: with every kiosk offering N records at once, Little's
law makes the mean wait (kiosks x N) / throughput: 200 x 16 records at 1,000 records/s is
3.2 s, whatever the server does. Busy answers (`provincial_api.admission`) move that wait from
an open request to the kiosk's own queue; without them (`--busy-after 0`) it is all on open
requests. Prints a table; not a test. FLEET_DUMP=PREFIX writes each drain's request timings
to PREFIX.NAME.json, to look at.
`python tests/bench/bench_fleet_pg.py [--runs 3] [--kiosks 200] [--records 25]`
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402
import psutil  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

from central_api_client.api_errors import ServerError  # noqa: E402
from central_api_client.client import Ack, DeviceAuth, ProvincialApiClient  # noqa: E402
from central_api_client.opening import load_public_pem  # noqa: E402
from kiosk.config import UploadConfig  # noqa: E402
from kiosk.seal import Sealer, load_device_key  # noqa: E402
from kiosk.sync.backoff import busy_delay  # noqa: E402
from provisioning.devrun import ApiServer  # noqa: E402
from tests.bench.benchlib import Table, at_least, at_most, percentile  # noqa: E402
from tests.integration.postgres_server import find_bin_dir, start_cluster  # noqa: E402
from tests.synthetic_records import make_record  # noqa: E402

RATE_GOAL_PER_S = 1000.0
P99_GOAL_S = 1.0
# One request's timings: (sent, answered, receipts verified, records, first sent, busy answers
# before it): "first sent" is when its records were first offered (before any busy answer).
Timing = tuple[float, float, float, int, float, int]


def kiosk_thread(url: str, receipt_key: Ed25519PublicKey, keys: Path, device_id: str,
                 spec: dict, delay_s: float, ready: threading.Barrier, go: threading.Event,
                 out: list[Timing]) -> None:
    """One kiosk: seal its records, wait for the start (and its own delay), drain them one
    request at a time, every receipt verified by the client."""
    records, per_request = spec["records"], spec["per_request"]
    sealer = Sealer.from_keys_dir(keys, device_id)
    sealed = [sealer.seal(make_record(device_id, photo_bytes=spec["photo"]))
              for _ in range(records)]
    auth = DeviceAuth(device_id, load_device_key(keys))
    wire: dict[str, float] = {}
    hooks = {"request": [lambda _: wire.__setitem__("sent", time.monotonic())],
             "response": [lambda _: wire.__setitem__("answered", time.monotonic())]}
    http = httpx.Client(base_url=url, timeout=120, event_hooks=hooks,
                        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
    # Enrolled before the fleet comes back, as a real fleet is (this server enrols a device on
    # its first signed request): one signed request that stores nothing, on a connection of
    # its own (a kept-alive one would idle past the server's keep-alive while others seal).
    with ProvincialApiClient(url, auth=auth, receipt_key=receipt_key) as enrol:
        enrol.get_record(sealed[0].record_id)
    with http, ProvincialApiClient(url, auth=auth, receipt_key=receipt_key, http=http) as client:
        ready.wait()
        go.wait()
        time.sleep(delay_s)
        for i in range(0, records, per_request):
            chunk = sealed[i:i + per_request]
            first_sent = None
            busy = 0
            while True:  # as the uploader does: a busy province's appointment is kept
                try:
                    outcomes = client.put_records(chunk)
                    break
                except ServerError as exc:
                    if not exc.busy or exc.retry_after_s is None:
                        raise
                    first_sent = first_sent or wire["sent"]
                    busy += 1
                    time.sleep(busy_delay(exc.retry_after_s))
            verified = time.monotonic()
            if not all(isinstance(o, Ack) for o in outcomes):
                raise RuntimeError(f"{device_id}: a record was refused")
            out.append((wire["sent"], wire["answered"], verified, len(chunk),
                        first_sent or wire["sent"], busy))


def worker(spec: dict) -> None:
    """A load process: its kiosks as threads; prints "ready", starts on a line on stdin,
    prints its requests' timings and its CPU seconds as JSON."""
    key: Ed25519PublicKey = load_public_pem(Path(spec["receipt_key"]), Ed25519PublicKey)
    go = threading.Event()
    ready = threading.Barrier(len(spec["kiosks"]) + 1)
    results: list[Timing] = []
    errors: list[BaseException] = []

    def run(index: int, delay_s: float) -> None:
        try:
            kiosk_thread(spec["url"], key, Path(spec["keys"]) / f"k{index}",
                         f"FLEET-{index:04d}", spec, delay_s, ready, go, results)
        except BaseException as exc:  # reported by the parent, which fails the run
            errors.append(exc)
            ready.abort()

    threads = [threading.Thread(target=run, args=(i, d))
               for i, d in zip(spec["kiosks"], spec["delays"], strict=True)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a kiosk failed: reported below
        ready.wait()  # every kiosk has sealed its records
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    go.set()
    for thread in threads:
        thread.join()
    print(json.dumps({"requests": results, "cpu_s": time.process_time() - cpu,
                      "errors": [repr(e)[:200] for e in errors]}), flush=True)


def cpu_s(processes: list[psutil.Process]) -> dict[int, float]:
    """CPU seconds so far of each process still running, by pid."""
    seconds = {}
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
    return seconds


def cpu_since(before: dict[int, float], now: dict[int, float]) -> float:
    """CPU seconds spent between two `cpu_s` readings (a process started in between counts
    whole; one that ended in between is lost: the server's pool keeps its backends)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """The postmaster (first line of postmaster.pid) and its backends, as they are now."""
    postmaster = psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
    return [postmaster, *postmaster.children(recursive=True)]


@dataclass
class Drain:
    """One fleet drain: its rate, its per-record latencies, and CPU ms per record by party."""

    rate: float
    latencies: list[float]  # per record: its accepted request's send -> answer
    offered: list[float]  # per record: first offered (before any busy answer) -> receipt
    busy_per_request: float  # busy answers per accepted request
    in_flight: float  # mean records waiting for an answer (Little's L)
    server_ms: float
    postgres_ms: float
    load_ms: float


def one_drain(root: Path, url_db: str, data_dir: Path, args: argparse.Namespace, name: str,
              spread_s: float) -> Drain:
    """200 kiosks drain their queues; each starts after a delay drawn from [0, spread_s]."""
    folder = root / name
    folder.mkdir()
    rng = random.Random(args.seed + len(name) + int(spread_s * 1000))
    delays = [rng.uniform(0, spread_s) if spread_s else 0.0 for _ in range(args.kiosks)]
    with ApiServer(url_db, log_path=folder / "api.log", receipt_key=folder / "receipt.pem",
                   workers=args.server_workers,
                   extra=("--busy-after", str(args.busy_after))) as server:
        assert server.pid is not None
        per = args.kiosks // args.workers
        procs = []
        for w in range(args.workers):
            kiosks = list(range(w * per, args.kiosks if w == args.workers - 1 else (w + 1) * per))
            spec = {"url": server.url, "receipt_key": str(server.receipt_public_key),
                    "keys": str(folder / "keys"), "kiosks": kiosks, "records": args.records,
                    "per_request": args.per_request, "photo": args.photo,
                    "delays": [delays[k] for k in kiosks]}
            procs.append(subprocess.Popen(
                [sys.executable, __file__, "--worker", json.dumps(spec)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True))
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a load process did not start")
        parent = psutil.Process(server.pid)
        serve = [parent, *parent.children()]  # the worker processes, with several
        serve_cpu, postgres_cpu = cpu_s(serve), cpu_s(postgres_processes(data_dir))
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        requests: list[Timing] = []
        load_cpu = 0.0
        for proc in procs:
            out, _ = proc.communicate(timeout=1800)
            answer = json.loads(out.strip().splitlines()[-1])
            if answer["errors"]:
                raise RuntimeError(f"kiosks failed: {answer['errors'][:3]}")
            requests.extend(tuple(r) for r in answer["requests"])
            load_cpu += answer["cpu_s"]
        serve_s = cpu_since(serve_cpu, cpu_s(serve))
        postgres_s = cpu_since(postgres_cpu, cpu_s(postgres_processes(data_dir)))
    if os.environ.get("FLEET_DUMP"):
        Path(os.environ["FLEET_DUMP"] + f".{name}.json").write_text(json.dumps(requests))
    total = sum(r[3] for r in requests)
    if total != args.kiosks * args.records:
        raise RuntimeError(f"{total} records acknowledged of {args.kiosks * args.records}")
    elapsed = max(r[2] for r in requests) - min(r[4] for r in requests)
    latencies = [r[1] - r[0] for r in requests for _ in range(r[3])]
    offered = [r[2] - r[4] for r in requests for _ in range(r[3])]
    busy = sum(r[5] for r in requests)
    return Drain(total / elapsed, latencies, offered, busy / len(requests),
                 sum(latencies) / elapsed,
                 serve_s / total * 1000, postgres_s / total * 1000, load_cpu / total * 1000)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--records", type=int, default=25, help="records per kiosk")
    parser.add_argument("--per-request", type=int, default=UploadConfig().records_per_request)
    parser.add_argument("--photo", type=int, default=40_000, help="photo bytes")
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument("--server-workers", type=int, default=2,
                        help="`provincial-api serve --workers`: its processes")
    parser.add_argument("--busy-after", type=float, default=0.3,
                        help="`provincial-api serve --busy-after`: 0 queues every upload")
    parser.add_argument("--seed", type=int, default=None, help="of the spread start times")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    args.seed = random.randrange(2**31) if args.seed is None else args.seed
    print(f"seed: {args.seed} (replay: --seed {args.seed})", flush=True)
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL is not installed (initdb, pg_ctl): run `make install`")
        return 1
    spread_s = args.kiosks * args.records / RATE_GOAL_PER_S
    at_once: list[Drain] = []
    spread: list[Drain] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        cluster = start_cluster(bin_dir)
        try:
            for run in range(args.runs):
                for name, starts, drains in (("at-once", 0.0, at_once),
                                             ("spread", spread_s, spread)):
                    url_db = cluster.create_database(f"fleet_{name.replace('-', '_')}{run}")
                    checkpoint(cluster.url())  # each run from the same state (see there)
                    drain = one_drain(Path(tmp_name), url_db, cluster.data_dir, args,
                                      f"{name}{run}", starts)
                    drains.append(drain)
                    print(f"  run {run + 1}/{args.runs} {name}: {drain.rate:,.0f} rec/s,"
                          f" p99 {percentile(drain.latencies, 99):.2f} s, server"
                          f" {drain.server_ms:.2f} / PostgreSQL {drain.postgres_ms:.2f} / load"
                          f" {drain.load_ms:.2f} ms per record", flush=True)
        finally:
            cluster.stop()
    table = Table(f"{args.kiosks} kiosks draining {args.records} records each"
                  f" ({args.photo // 1000} KB photo, {args.per_request}/request, one request"
                  " in flight each) to `provincial-api serve` on PostgreSQL")
    table.add("records acknowledged per second", [d.rate for d in at_once], " rec/s",
              at_least(RATE_GOAL_PER_S))
    table.add("p99 acknowledgement, all at once", [percentile(d.latencies, 99) for d in at_once],
              " s", at_most(P99_GOAL_S))
    table.add("median acknowledgement, all at once",
              [percentile(d.latencies, 50) for d in at_once], " s")
    table.add("busy answers per accepted request, all at once",
              [d.busy_per_request for d in at_once])
    table.add("p99 first offered -> receipt, all at once",
              [percentile(d.offered, 99) for d in at_once], " s")
    table.add("records in flight (mean), all at once", [d.in_flight for d in at_once])
    table.add(f"p99 acknowledgement, starts over {spread_s:.0f} s",
              [percentile(d.latencies, 99) for d in spread], " s")
    table.add(f"records per second, starts over {spread_s:.0f} s", [d.rate for d in spread],
              " rec/s")
    table.add("server CPU per record", [d.server_ms for d in at_once], " ms")
    table.add("PostgreSQL CPU per record", [d.postgres_ms for d in at_once], " ms")
    table.add("load processes' CPU per record", [d.load_ms for d in at_once], " ms")
    table.note(f"load: {args.workers} processes of kiosk threads on the same machine (and"
               " cores) as the server and PostgreSQL")
    rate = statistics_median([d.rate for d in at_once])
    table.note(f"server: {args.server_workers} processes, busy after"
               f" {args.busy_after:g} s of uploads in progress each (0: never)")
    table.note(f"Little's law, all at once: {args.kiosks} kiosks x {args.per_request} records"
               f" offered at {rate:,.0f} rec/s wait {args.kiosks * args.per_request / rate:.1f} s"
               " on average from first offer to receipt, whatever the server does; busy"
               " answers move that wait from an open request to the kiosk's own queue")
    table.print()
    return table.exit_code()


def checkpoint(url: str) -> None:
    """Write out what earlier runs left in PostgreSQL's WAL, outside the measured time: each
    drain writes ~0.3 GB, and without this the later runs paid for the earlier runs'
    checkpoints (PostgreSQL's CPU per record rose from 0.3 to 0.6 ms over 5 runs)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def statistics_median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


if __name__ == "__main__":
    sys.exit(main())
