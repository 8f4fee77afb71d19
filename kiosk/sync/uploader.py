"""`kiosk-uploader`: moves sealed records from the outbox to the provincial API.

A process of its own beside the UI, sharing only the database, so a registration never waits on
the network: the plans order "keep collecting when the network is down, submit when it
returns". This module is the process: the loop (drain, wait, back off), its purge of old
blobs, and the command line. One drain is `kiosk.sync.drain`; the waits are `kiosk.sync.backoff`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from central_api_client.client import (
    MAX_RETRY_AFTER_S,
    ApiError,
    DeviceAuth,
    ProvincialApiClient,
    ServerError,
)
from central_api_client.logs import LogEvent, event, setup_logging
from central_api_client.opening import load_public_pem
from kiosk.central_config import live_bundle
from kiosk.config import Config, ConfigError, load_config, with_overrides
from kiosk.province_keys import ProvinceKeys
from kiosk.sd_notify import ServiceNotifier
from kiosk.seal import SealError, load_device_key
from kiosk.startup import (
    SIMULATE_ENV,
    RealMachineRefused,
    check_real_machine,
    owner_only,
    simulate_from_env,
)
from kiosk.store import KioskStore, open_store
from kiosk.sync import status
from kiosk.sync.backoff import BACKOFF_CAP_S, BUSY_PATIENCE, busy_delay, next_delay
from kiosk.sync.day_reports import send_day_reports
from kiosk.sync.drain import UploadReport, drain_once
from kiosk.sync.heartbeat import Heartbeats, heartbeats_for
from kiosk.sync.roster import RosterSync, roster_sync_for
from kiosk.sync.voids import report_voids

log = logging.getLogger("kiosk.uploader")

PURGE_EVERY_S = 600.0


class Uploader:
    """The loop: drain, wait the interval (or back off after a failure), until stopped.

    The time of the next attempt after a failure is kept in the database, so an uploader
    restarted (or killed and restarted) honours a Retry-After it was given before.
    """

    def __init__(self, store: KioskStore, client: ProvincialApiClient, interval_s: float,
                 batch_size: int, *, concurrency: int = 4, max_backoff_s: float = BACKOFF_CAP_S,
                 retention_s: float | None = None, records_per_request: int = 1,
                 notifier: ServiceNotifier | None = None,
                 heartbeats: Heartbeats | None = None,
                 rosters: RosterSync | None = None) -> None:
        """`notifier`: systemd's watchdog (kiosk-uploader.service), told the loop is alive
        after every drain and during every wait (`_wait`). `heartbeats`: the province is told
        how this machine is, every `upload.heartbeat_s` (`kiosk.sync.heartbeat`). `rosters`:
        the point's candidates fetched ahead every `upload.roster_sync_s`, expired ones purged
        (`kiosk.sync.roster`)."""
        self.store = store
        self.client = client
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.max_backoff_s = max_backoff_s
        self.retention_s = retention_s
        self.records_per_request = records_per_request
        self.heartbeats = heartbeats
        self.rosters = rosters
        self.stopping = threading.Event()
        self._last_purge = 0.0
        self.notifier = notifier or ServiceNotifier.off()
        self._ping_every_s = self.notifier.watchdog_interval_s()

    def _wait(self, seconds: float) -> None:
        """Wait `seconds` or until stopped, telling the watchdog the loop is alive meanwhile:
        back-off and Retry-After waits run to minutes, longer than WatchdogSec=."""
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set():
            self.notifier.alive()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            step = left if self._ping_every_s is None else min(left, self._ping_every_s)
            self.stopping.wait(step)

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        failures = busy = 0
        resume_at = self.store.settings.get(status.NEXT_ATTEMPT_KEY)
        if isinstance(resume_at, int | float) and resume_at > time.time():
            wait = min(resume_at - time.time(), MAX_RETRY_AFTER_S)
            event(log, LogEvent.UPLOADER_RESUME_WAIT, delay_s=round(wait, 3))
            self._wait(wait)
        while not self.stopping.is_set():
            self._purge()
            try:
                report = drain_once(self.store, self.client, self.batch_size, self.stopping,
                                    self.concurrency, self.records_per_request)
            except Exception as exc:  # e.g. the database locked past its timeout: try again
                event(log, LogEvent.UPLOADER_DRAIN_FAILED, level=logging.ERROR,
                      error_type=type(exc).__name__)
                report = UploadReport(transient_error=type(exc).__name__)
            told_to_wait = after_drain(self.store, self.client, report, self.heartbeats)
            if self.rosters is not None:
                self.rosters.sync_if_due()
            if told_to_wait is not None:
                report.retry_after_s = told_to_wait
            if report.acknowledged:  # progress: patience and back-off start over
                failures = busy = 0
            if report.transient_error is None and told_to_wait is None:
                failures = busy = 0
                delay = self.interval_s
                self._set_next_attempt(None)
            elif report.busy and report.retry_after_s is not None and busy < BUSY_PATIENCE:
                busy += 1  # an appointment, not a failure: kept as given
                delay = busy_delay(report.retry_after_s)
                self._set_next_attempt(time.time() + delay)
                event(log, LogEvent.UPLOADER_BUSY_WAIT, delay_s=round(delay, 3))
            else:
                failures += 1
                delay = next_delay(report.retry_after_s, failures, self.interval_s,
                                   self.max_backoff_s)
                self._set_next_attempt(time.time() + delay)
                event(log, LogEvent.UPLOADER_BACKOFF, failures=failures, delay_s=round(delay, 3),
                      retry_after_s=report.retry_after_s)
            self._wait(delay)

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
            purged = self.store.outbox.purge_acknowledged(self.retention_s,
                                                          self.client.require_receipt_key())
        except Exception as exc:  # noqa: BLE001 - purging can wait for the next round
            event(log, LogEvent.UPLOADER_PURGE_FAILED, level=logging.WARNING,
                  error_type=type(exc).__name__)
            return
        if purged:
            event(log, LogEvent.UPLOADER_PURGED, count=purged)


def after_drain(store: KioskStore, client: ProvincialApiClient, report: UploadReport,
                heartbeats: Heartbeats | None = None) -> float | None:
    """The requests that follow a drain that went well: the voided sequence numbers not yet
    reported (`kiosk.sync.voids`), the audit chain's head, then the heartbeat when one is due.
    Not after a drain the server cut short: its Retry-After and the back-off hold for these
    too. A drain paced by a busy province went well: these are small and never paced, and
    the province hears of the machine while its backlog waits its turn. Returns the server's
    Retry-After when one of them was told to wait, so the loop obeys it as after a drain (and
    sends nothing more now)."""
    if report.transient_error is not None and not report.busy:
        return None
    # Each on its own: a void report the server keeps refusing must not silence the audit
    # head; a Retry-After stops the rest at once.
    for request in (lambda: report_voids(store, client),
                    lambda: send_day_reports(store, client),
                    lambda: report_audit_head(client, report)):
        try:
            request()
        except (ApiError, ValueError) as exc:  # it waits for the next drain
            event(log, LogEvent.UPLOADER_AFTER_DRAIN_FAILED, level=logging.WARNING,
                  error_type=type(exc).__name__)
            if isinstance(exc, ServerError) and exc.retry_after_s is not None:
                return exc.retry_after_s
    return heartbeats.beat_if_due() if heartbeats is not None else None


def report_audit_head(client: ProvincialApiClient, report: UploadReport) -> None:
    """After a drain that acknowledged records, one signed request more (the newest record's
    status), so the province sees the audit chain's head with those acknowledgements in it:
    each request carries the head as it was when signed, before its acks were appended, and
    without this the next entries appended would hide an entry deleted meanwhile (the next
    drain's requests carry the head anyway, should this one fail)."""
    if report.acknowledged:
        client.get_record(report.acknowledged[-1])


def make_client(config: Config, store: KioskStore | None = None) -> ProvincialApiClient:
    """The API client of this machine: signs as its device, verifies the province's receipts,
    one connection per upload slot; with `store`, every request carries the head of its audit
    chain ("COUNT:SHA256", signed), so the province notices a chain that shrank or was
    rewritten. SealError when a key is missing or unreadable, ValueError for a base URL that
    would cross a network in the clear."""
    auth = DeviceAuth(config.device.id, load_device_key(config.keys_dir, config.devices.tpm),
                      audit_head=store.audit.head_header if store is not None else None)
    receipt_keys = province_receipt_keys(config)
    return ProvincialApiClient(config.api.base_url, config.api.timeout_s, auth=auth,
                               receipt_key=receipt_keys, max_connections=config.upload.concurrency)


def province_receipt_keys(config: Config) -> ProvinceKeys:
    """The receipt keys in force for this long-running process: the signed bundle's (re-read
    when the updater replaces it, so a rotation needs no restart), else kiosk.toml's file.
    SealError now when there is none at all."""
    keys = ProvinceKeys(config, live_bundle(config))
    keys.receipt_keys()
    return keys


def load_receipt_key(config: Config) -> Ed25519PublicKey:
    """The province's receipt key as enrolment installed it (kiosk.toml's); what verifies
    receipts is `province_receipt_keys`, which prefers the signed bundle's."""
    path = config.receipt_key_path
    if not path.exists():
        raise SealError(f"no province receipt key at {path}: receipts cannot be verified")
    key: Ed25519PublicKey = load_public_pem(path, Ed25519PublicKey)
    return key


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
    parser.add_argument("--simulate", action="store_true", default=simulate_from_env(),
                        help="allow development keys (a simulated kiosk's); also "
                        f"{SIMULATE_ENV}=1. Without it they are refused")
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
    owner_only(config.data_dir)
    try:
        check_real_machine(config, "kiosk-uploader", simulate=args.simulate, keys=True)
    except RealMachineRefused as exc:
        event(log, LogEvent.UPLOADER_NOT_CONFIGURED, level=logging.ERROR, error=str(exc))
        return 2
    store = open_store(config)
    try:
        client = make_client(config, store)
    except (SealError, ValueError) as exc:
        store.close()
        event(log, LogEvent.UPLOADER_NOT_CONFIGURED, level=logging.ERROR, error=str(exc))
        return 2
    u = config.upload
    notifier = ServiceNotifier()
    try:
        if args.once:
            report = drain_once(store, client, u.batch_size, concurrency=u.concurrency,
                                records_per_request=u.records_per_request)
            after_drain(store, client, report, heartbeats_for(store, client, config))
            event(log, LogEvent.UPLOADER_DRAINED, acknowledged=len(report.acknowledged),
                  rejected=len(report.rejected), transient_error=report.transient_error,
                  counts=store.outbox.counts_by_state())
            return 0 if report.ok else 1
        uploader = Uploader(store, client, u.interval_s, u.batch_size, concurrency=u.concurrency,
                            max_backoff_s=u.max_backoff_s,
                            retention_s=config.storage.retention_days * 86400,
                            records_per_request=u.records_per_request, notifier=notifier,
                            heartbeats=heartbeats_for(store, client, config),
                            rosters=roster_sync_for(client, config))

        def on_signal(signum: int, frame: FrameType | None) -> None:
            event(log, LogEvent.UPLOADER_STOPPING, signal=signal.Signals(signum).name)
            uploader.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        event(log, LogEvent.UPLOADER_START, base_url=config.api.base_url,
              interval_s=config.upload.interval_s, counts=store.outbox.counts_by_state())
        notifier.ready(status="uploading")
        uploader.run()
        notifier.stopping()
        event(log, LogEvent.UPLOADER_STOPPED)
        return 0
    finally:
        client.close()
        store.close()


if __name__ == "__main__":
    sys.exit(main())
