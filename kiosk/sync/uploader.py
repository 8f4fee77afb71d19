"""`kiosk-uploader`: moves sealed records from the outbox to the provincial API.

A process of its own beside the UI, sharing only the database, so a registration never waits on
the network: the plans order "keep collecting when the network is down, submit when it
returns". Records go oldest first. When the server cannot be reached or is failing, everything
stays queued and the uploader backs off (exponential, full jitter, capped) so a fleet of kiosks
coming back online does not hammer the server in step. A record the server refuses (4xx) is
never dropped: it keeps its reason as its last error, for staff and `kioskctl` to see, and is
tried again much later in case the refusal was the server's mistake.
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from central_api_client import (
    Ack,
    AuthError,
    DeviceAuth,
    ProvincialApiClient,
    RejectedError,
    ServerError,
    ServerUnreachableError,
    UnexpectedResponseError,
)
from central_api_client.client import MAX_RETRY_AFTER_S
from central_api_client.contract import MAX_BATCH_RECORDS
from central_api_client.logs import LogEvent, event, setup_logging
from kiosk.config import Config, ConfigError, load_config, with_overrides
from kiosk.seal import SealError, load_device_key
from kiosk.store import KioskStore, OutboxEntry, open_store
from kiosk.sync import status

log = logging.getLogger("kiosk.uploader")

BACKOFF_CAP_S = 300.0
# A refused record waits this long times 2**(attempts-1), up to a day: long enough not to flood
# the log and the server with a record that will be refused again, short enough that a fix on
# the server's side is picked up the same day.
REJECTED_RETRY_BASE_S = 60.0
REJECTED_RETRY_CAP_S = 24 * 3600.0
PURGE_EVERY_S = 600.0


@dataclass
class UploadReport:
    """What one drain did; record ids only."""

    acknowledged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # Set when the drain stopped early because the server was unreachable or failing, or
    # refused the device itself (`problem_code` says which, in `kiosk.sync.status` terms).
    transient_error: str | None = None
    problem_code: str | None = None
    retry_after_s: float | None = None  # the server's Retry-After, the longest seen
    server_time: str | None = None  # with clock_skew

    @property
    def ok(self) -> bool:
        return not self.rejected and self.transient_error is None


def backoff_delay(failures: int, base_s: float, cap_s: float = BACKOFF_CAP_S,
                  rand: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**(failures-1))] (AWS architecture blog)."""
    ceiling = min(cap_s, base_s * 2 ** max(0, min(failures - 1, 30)))
    return (rand or random).uniform(0.0, ceiling)


def next_delay(report: UploadReport, failures: int, base_s: float, cap_s: float = BACKOFF_CAP_S,
               rand: random.Random | None = None) -> float:
    """How long to wait after a failed drain: the jittered back-off, but never less than the
    server's Retry-After (its way to stagger a fleet coming back online)."""
    delay = backoff_delay(failures, base_s, cap_s, rand)
    if report.retry_after_s is not None:
        delay = max(delay, min(report.retry_after_s, MAX_RETRY_AFTER_S))
    return delay


def rejected_retry_after(attempts: int) -> float:
    return min(REJECTED_RETRY_CAP_S, REJECTED_RETRY_BASE_S * 2 ** max(0, min(attempts - 1, 20)))


def _problem_code(exc: Exception) -> str:
    if isinstance(exc, AuthError):
        return exc.code
    if isinstance(exc, ServerError):
        return "overloaded" if exc.status in (429, 503) else "server_error"
    if isinstance(exc, UnexpectedResponseError):
        return "unexpected_response"
    return "unreachable"


def drain_once(
    store: KioskStore,
    client: ProvincialApiClient,
    batch_size: int = 20,
    stop: threading.Event | None = None,
    concurrency: int = 4,
    records_per_request: int = 1,
) -> UploadReport:
    """Upload every record that is due, oldest first, until none is left or the server fails.

    Records go in batches: one transaction marks a batch sent, its requests run `concurrency`
    at a time over the client's kept-alive connections, one transaction records the acks.
    `records_per_request` > 1 sends that many records per request to the batch endpoint (one
    server transaction for them all); 1 sends one idempotent PUT per record. Each
    record is tried at most once per drain: acknowledged ones leave the queue, refused ones are
    told to wait, and a transient failure or a refusal of the device ends the drain after the
    batch in flight (whose successes are still recorded). `stop`, once set, ends the drain
    between two batches (SIGTERM during a long backlog).
    """
    report = UploadReport()
    tried: set[str] = set()
    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="upload") as pool:
        while report.transient_error is None:
            if stop is not None and stop.is_set():
                break
            batch = [e for e in store.outbox.queued(batch_size) if e.record_id not in tried]
            if not batch:
                break
            tried.update(entry.record_id for entry in batch)
            store.outbox.mark_sent([entry.record_id for entry in batch])
            per = max(1, min(records_per_request, MAX_BATCH_RECORDS))
            chunks = [batch[i:i + per] for i in range(0, len(batch), per)]
            futures = [pool.submit(_send, client, chunk, per > 1) for chunk in chunks]
            outcomes = [outcome for future in futures for outcome in future.result()]
            acks: list[tuple[OutboxEntry, Ack]] = []
            for entry, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Ack):
                    acks.append((entry, outcome))
                else:
                    _failed(store, entry, outcome, report)
            bad = set(store.outbox.mark_acknowledged(
                [(entry.record_id, ack.received_at, ack.sha256) for entry, ack in acks]
            ))
            for entry, ack in acks:
                if entry.record_id in bad:
                    # The client already checks the ack's hash; this is the database's guard.
                    store.outbox.mark_error(entry.record_id, "acknowledged hash differs from ours",
                                     retry_after_s=rejected_retry_after(entry.attempts + 1))
                    report.rejected.append(entry.record_id)
                    event(log, LogEvent.UPLOADER_BAD_ACK, level=logging.ERROR,
                          record_id=entry.record_id)
                    continue
                report.acknowledged.append(entry.record_id)
                event(log, LogEvent.UPLOADER_ACKNOWLEDGED, record_id=entry.record_id,
                      repeated=not ack.created)
    _record_status(store, report)
    return report


_SEND_ERRORS = (RejectedError, ValueError, ServerUnreachableError, ServerError,
                UnexpectedResponseError)


def _send(client: ProvincialApiClient, chunk: list[OutboxEntry],
          batched: bool) -> list[Ack | Exception]:
    """One request (or one PUT per record) on a worker thread; outcomes as values, in order."""
    if not batched:
        outcomes: list[Ack | Exception] = []
        for entry in chunk:
            try:
                outcomes.append(client.put_record(entry.record))
            except _SEND_ERRORS as exc:
                outcomes.append(exc)
        return outcomes
    try:
        return list(client.put_records([entry.record for entry in chunk]))
    except _SEND_ERRORS as exc:
        return [exc] * len(chunk)


def _failed(store: KioskStore, entry: OutboxEntry, exc: Exception, report: UploadReport) -> None:
    if isinstance(exc, AuthError) or not isinstance(exc, RejectedError | ValueError):
        # The server, the network or the device's credentials: nothing about this record.
        store.outbox.mark_error(entry.record_id, str(exc))
        if report.transient_error is None:
            report.transient_error = str(exc)
            report.problem_code = _problem_code(exc)
            event(log, LogEvent.UPLOADER_SERVER_UNAVAILABLE, level=logging.WARNING,
                  record_id=entry.record_id, error_type=type(exc).__name__,
                  problem=report.problem_code, error=str(exc))
        if isinstance(exc, ServerError) and exc.retry_after_s is not None:
            report.retry_after_s = max(report.retry_after_s or 0.0, exc.retry_after_s)
        if isinstance(exc, AuthError) and exc.server_time:
            report.server_time = exc.server_time
        return
    # ValueError: the client refused to send it (malformed id), as the server would.
    facts: dict[str, Any]
    if isinstance(exc, RejectedError):
        text = f"rejected {exc.status} {exc.code}: {exc.reason}"
        facts = {"status": exc.status, "error": exc.code, "reason": exc.reason}
    else:
        text, facts = f"not sent: {exc}", {"error": "client_refused"}
    store.outbox.mark_error(entry.record_id, text,
                     retry_after_s=rejected_retry_after(entry.attempts + 1))
    report.rejected.append(entry.record_id)
    event(log, LogEvent.UPLOADER_REJECTED, level=logging.WARNING, record_id=entry.record_id,
          **facts)


def _record_status(store: KioskStore, report: UploadReport) -> None:
    if report.transient_error is not None:
        status.record_problem(store, report.problem_code or "unreachable",
                              report.transient_error, server_time=report.server_time)
    elif report.acknowledged or not report.rejected:
        status.record_success(store)
    else:
        status.record_problem(store, "rejected", f"{len(report.rejected)} record(s) refused")


class Uploader:
    """The loop: drain, wait the interval (or back off after a failure), until stopped.

    The time of the next attempt after a failure is kept in the database, so an uploader
    restarted (or killed and restarted) honours a Retry-After it was given before.
    """

    def __init__(self, store: KioskStore, client: ProvincialApiClient, interval_s: float,
                 batch_size: int, *, concurrency: int = 4, max_backoff_s: float = BACKOFF_CAP_S,
                 retention_s: float | None = None, records_per_request: int = 1) -> None:
        self.store = store
        self.client = client
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.max_backoff_s = max_backoff_s
        self.retention_s = retention_s
        self.records_per_request = records_per_request
        self.stopping = threading.Event()
        self._last_purge = 0.0

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        failures = 0
        resume_at = self.store.settings.get(status.NEXT_ATTEMPT_KEY)
        if isinstance(resume_at, int | float) and resume_at > time.time():
            wait = min(resume_at - time.time(), MAX_RETRY_AFTER_S)
            event(log, LogEvent.UPLOADER_RESUME_WAIT, delay_s=round(wait, 3))
            self.stopping.wait(wait)
        while not self.stopping.is_set():
            self._purge()
            try:
                report = drain_once(self.store, self.client, self.batch_size, self.stopping,
                                    self.concurrency, self.records_per_request)
            except Exception as exc:  # e.g. the database locked past its timeout: try again
                event(log, LogEvent.UPLOADER_DRAIN_FAILED, level=logging.ERROR,
                      error_type=type(exc).__name__)
                report = UploadReport(transient_error=type(exc).__name__)
            if report.transient_error is None:
                failures = 0
                delay = self.interval_s
                self._set_next_attempt(None)
            else:
                failures += 1
                delay = next_delay(report, failures, self.interval_s, self.max_backoff_s)
                self._set_next_attempt(time.time() + delay)
                event(log, LogEvent.UPLOADER_BACKOFF, failures=failures, delay_s=round(delay, 3),
                      retry_after_s=report.retry_after_s)
            self.stopping.wait(delay)

    def _set_next_attempt(self, at: float | None) -> None:
        try:
            if at is not None or self.store.settings.get(status.NEXT_ATTEMPT_KEY) is not None:
                self.store.settings.set(status.NEXT_ATTEMPT_KEY, at)
        except Exception as exc:  # noqa: BLE001 - a hint for restarts, not worth a crash
            event(log, LogEvent.UPLOADER_STATE_NOT_SAVED, level=logging.WARNING,
                  error_type=type(exc).__name__)

    def _purge(self) -> None:
        if self.retention_s is None or time.monotonic() - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = time.monotonic()
        try:
            purged = self.store.outbox.purge_acknowledged(self.retention_s)
        except Exception as exc:  # noqa: BLE001 - purging can wait for the next round
            event(log, LogEvent.UPLOADER_PURGE_FAILED, level=logging.WARNING,
                  error_type=type(exc).__name__)
            return
        if purged:
            event(log, LogEvent.UPLOADER_PURGED, count=purged)


def make_client(config: Config) -> ProvincialApiClient:
    """The API client of this machine: signs as its device, one connection per upload slot."""
    auth = DeviceAuth(config.device.id, load_device_key(config.keys_dir))
    return ProvincialApiClient(config.api.base_url, config.api.timeout_s, auth=auth,
                               max_connections=config.upload.concurrency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kiosk-uploader",
        description="Upload the sealed records queued on this machine to the provincial API.",
    )
    parser.add_argument("--config", type=Path, help="kiosk.toml (default: $KIOSK_CONFIG, "
                        "then /etc/kiosk/kiosk.toml, then built-in defaults)")
    parser.add_argument("--data-dir", type=Path, help="override the config's data_dir")
    parser.add_argument("--once", action="store_true",
                        help="upload what is due and exit: 0 if all went, 1 otherwise")
    args = parser.parse_args(argv)
    setup_logging()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # our upload.* events say it once
    try:
        config = load_config(args.config)
        if args.data_dir is not None:
            config = with_overrides(config, data_dir=args.data_dir)
    except ConfigError as exc:
        event(log, LogEvent.UPLOADER_CONFIG_ERROR, level=logging.ERROR, error=str(exc))
        return 2
    try:
        client = make_client(config)
    except SealError as exc:
        event(log, LogEvent.UPLOADER_NO_DEVICE_KEY, level=logging.ERROR, error=str(exc))
        return 2

    store = open_store(config)
    u = config.upload
    try:
        if args.once:
            report = drain_once(store, client, u.batch_size, concurrency=u.concurrency,
                                records_per_request=u.records_per_request)
            event(log, LogEvent.UPLOADER_DRAINED, acknowledged=len(report.acknowledged),
                  rejected=len(report.rejected), transient_error=report.transient_error,
                  counts=store.outbox.counts_by_state())
            return 0 if report.ok else 1
        uploader = Uploader(store, client, u.interval_s, u.batch_size, concurrency=u.concurrency,
                            max_backoff_s=u.max_backoff_s,
                            retention_s=config.storage.retention_days * 86400,
                            records_per_request=u.records_per_request)

        def on_signal(signum: int, frame: FrameType | None) -> None:
            event(log, LogEvent.UPLOADER_STOPPING, signal=signal.Signals(signum).name)
            uploader.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        event(log, LogEvent.UPLOADER_START, base_url=config.api.base_url,
              interval_s=config.upload.interval_s, counts=store.outbox.counts_by_state())
        uploader.run()
        event(log, LogEvent.UPLOADER_STOPPED)
        return 0
    finally:
        client.close()
        store.close()


if __name__ == "__main__":
    sys.exit(main())
