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
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from central_api_client import (
    ProvincialApiClient,
    RejectedError,
    ServerError,
    ServerUnreachableError,
    UnexpectedResponseError,
)
from kiosk.config import ConfigError, load_config, with_overrides
from kiosk.logs import event, setup_logging
from kiosk.seal import SealError, load_device_public_key_bytes
from kiosk.store import KioskStore, StoreError

log = logging.getLogger("kiosk.uploader")

BACKOFF_CAP_S = 300.0
# A refused record waits this long times 2**(attempts-1), up to a day: long enough not to flood
# the log and the server with a record that will be refused again, short enough that a fix on
# the server's side is picked up the same day.
REJECTED_RETRY_BASE_S = 60.0
REJECTED_RETRY_CAP_S = 24 * 3600.0


@dataclass
class UploadReport:
    """What one drain did; record ids only."""

    acknowledged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # Set when the drain stopped early because the server was unreachable or failing.
    transient_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected and self.transient_error is None


def backoff_delay(failures: int, base_s: float, cap_s: float = BACKOFF_CAP_S,
                  rand: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**(failures-1))] (AWS architecture blog)."""
    ceiling = min(cap_s, base_s * 2 ** max(0, min(failures - 1, 30)))
    return (rand or random).uniform(0.0, ceiling)


def rejected_retry_after(attempts: int) -> float:
    return min(REJECTED_RETRY_CAP_S, REJECTED_RETRY_BASE_S * 2 ** max(0, min(attempts - 1, 20)))


def drain_once(
    store: KioskStore,
    client: ProvincialApiClient,
    batch_size: int = 20,
    stop: threading.Event | None = None,
) -> UploadReport:
    """Upload every record that is due, oldest first, until none is left or the server fails.

    Each record is tried at most once per drain: acknowledged ones leave the queue, refused
    ones are told to wait, and a transient failure ends the drain with the rest untouched.
    `stop`, once set, ends the drain between two records (SIGTERM during a long backlog).
    """
    report = UploadReport()
    tried: set[str] = set()
    while True:
        batch = [entry for entry in store.queued(batch_size) if entry.record_id not in tried]
        if not batch:
            return report
        for entry in batch:
            if stop is not None and stop.is_set():
                return report
            tried.add(entry.record_id)
            store.mark_sent(entry.record_id)
            try:
                ack = client.put_record(entry.sealed())
            except (RejectedError, ValueError) as exc:
                # ValueError: the client refused to send it (malformed id), as the server would.
                facts: dict[str, Any]
                if isinstance(exc, RejectedError):
                    text = f"rejected {exc.status} {exc.code}: {exc.reason}"
                    facts = {"status": exc.status, "error": exc.code, "reason": exc.reason}
                else:
                    text, facts = f"not sent: {exc}", {"error": "client_refused"}
                store.mark_error(
                    entry.record_id, text, retry_after_s=rejected_retry_after(entry.attempts + 1)
                )
                report.rejected.append(entry.record_id)
                event(log, "upload.rejected", level=logging.WARNING, record_id=entry.record_id,
                      **facts)
                continue
            except (ServerUnreachableError, ServerError, UnexpectedResponseError) as exc:
                store.mark_error(entry.record_id, str(exc))
                report.transient_error = str(exc)
                event(log, "upload.server_unavailable", level=logging.WARNING,
                      record_id=entry.record_id, error_type=type(exc).__name__, error=str(exc))
                return report
            try:
                store.mark_acknowledged(entry.record_id, ack.received_at, ack.sha256)
            except StoreError as exc:
                # The client already checks the ack's hash; this is the database's own guard.
                store.mark_error(entry.record_id, str(exc),
                                 retry_after_s=rejected_retry_after(entry.attempts + 1))
                report.rejected.append(entry.record_id)
                event(log, "upload.bad_ack", level=logging.ERROR, record_id=entry.record_id)
                continue
            report.acknowledged.append(entry.record_id)
            event(log, "upload.acknowledged", record_id=entry.record_id, repeated=not ack.created)


class Uploader:
    """The loop: drain, wait the interval (or back off after a failure), until stopped."""

    def __init__(self, store: KioskStore, client: ProvincialApiClient, interval_s: float,
                 batch_size: int) -> None:
        self.store = store
        self.client = client
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                report = drain_once(self.store, self.client, self.batch_size, self.stopping)
            except Exception as exc:  # e.g. the database locked past its timeout: try again
                event(log, "uploader.drain_failed", level=logging.ERROR,
                      error_type=type(exc).__name__)
                report = UploadReport(transient_error=type(exc).__name__)
            if report.transient_error is None:
                failures = 0
                delay = self.interval_s
            else:
                failures += 1
                delay = backoff_delay(failures, self.interval_s)
                event(log, "uploader.backoff", failures=failures, delay_s=round(delay, 3))
            self.stopping.wait(delay)


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
        event(log, "uploader.config_error", level=logging.ERROR, error=str(exc))
        return 2
    try:
        public_key = load_device_public_key_bytes(config.keys_dir)
    except SealError as exc:
        event(log, "uploader.no_device_key", level=logging.ERROR, error=str(exc))
        return 2

    store = KioskStore(config.database_path)
    client = ProvincialApiClient(
        config.api.base_url, config.api.timeout_s, device_public_key=public_key
    )
    try:
        if args.once:
            report = drain_once(store, client, config.upload.batch_size)
            event(log, "uploader.drained", acknowledged=len(report.acknowledged),
                  rejected=len(report.rejected), transient_error=report.transient_error,
                  counts=store.counts_by_state())
            return 0 if report.ok else 1
        uploader = Uploader(store, client, config.upload.interval_s, config.upload.batch_size)

        def on_signal(signum: int, frame: FrameType | None) -> None:
            event(log, "uploader.stopping", signal=signal.Signals(signum).name)
            uploader.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        event(log, "uploader.start", base_url=config.api.base_url,
              interval_s=config.upload.interval_s, counts=store.counts_by_state())
        uploader.run()
        event(log, "uploader.stopped")
        return 0
    finally:
        client.close()
        store.close()


if __name__ == "__main__":
    sys.exit(main())
