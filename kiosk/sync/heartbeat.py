"""The uploader's heartbeat: every `upload.heartbeat_s`, one signed `POST /v1/heartbeat`.

Sent from the uploader's loop, not a process of its own: the uploader already holds the device
key and the network, and a heartbeat from a loop that hangs would say "alive" for a machine
that uploads nothing. It goes after a drain that went well (`uploader.after_drain`), so a server
that asked the kiosk to wait is not asked again by the heartbeat; a heartbeat that fails is
logged and tried again later, and never counts against the uploads. What it says is read from
the database the kiosk and the uploader share (the queue, the audit chain's head, the devices'
health the kiosk recorded), the bundle in force and the disk: nothing about any candidate.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from importlib import metadata

from central_api_client.client import ProvincialApiClient, ServerError
from central_api_client.contract import utc_now
from central_api_client.heartbeat import (
    HEALTH_CODE_PATTERN,
    MAX_AGE_S,
    MAX_DISK_FREE_MB,
    MAX_HARDWARE_PARTS,
    MAX_QUEUE_DEPTH,
    PART_PATTERN,
    Heartbeat,
)
from central_api_client.logs import LogEvent, event
from kiosk.central_config import current_bundle
from kiosk.config import Config
from kiosk.store import KioskStore
from kiosk.sync import status

log = logging.getLogger("kiosk.uploader")

DISTRIBUTION = "hunan-exam-kiosk"
# After a failure the next heartbeat is tried this soon (or at the interval, if shorter), not
# at every drain: a province that is struggling gets no extra requests from the fleet.
RETRY_AFTER_FAILURE_S = 60.0
_PART = re.compile(PART_PATTERN)
_CODE = re.compile(HEALTH_CODE_PATTERN)


def app_version() -> str:
    """The installed kiosk's version (the package's), "unknown" when run from a bare tree."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def build_heartbeat(store: KioskStore, config: Config) -> Heartbeat:
    """This machine's heartbeat now. The queue's depth and its oldest record's age are two
    reads: a record acknowledged between them is smoothed over, so the pair always agrees."""
    depth = min(store.outbox.count_unacknowledged(), MAX_QUEUE_DEPTH)
    age = store.outbox.oldest_unacknowledged_age_s()
    oldest = None if depth == 0 else min(int(age or 0), MAX_AGE_S)
    bundle = current_bundle(config)
    hardware = {part: code for part, code in status.read_health(store).items()
                if _PART.fullmatch(part) and _CODE.fullmatch(code)}
    return Heartbeat(
        config_version=bundle.version if bundle is not None else None,
        app_version=app_version(),
        queue_depth=depth,
        oldest_unacknowledged_s=oldest,
        audit_head=store.audit.head_header(),
        disk_free_mb=min(store.disk.free_bytes() // (1024 * 1024), MAX_DISK_FREE_MB),
        sent_at=utc_now(),
        hardware=dict(list(sorted(hardware.items()))[:MAX_HARDWARE_PARTS]),
    )


class Heartbeats:
    """When the next heartbeat is due, and sending it. The first is due at once (a restarted
    uploader says so straight away)."""

    def __init__(self, store: KioskStore, client: ProvincialApiClient, config: Config,
                 every_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.client = client
        self.config = config
        self.every_s = every_s
        self._clock = clock
        self._next = clock()

    def beat_if_due(self) -> float | None:
        """Send a heartbeat when one is due. Never raises: a failure is logged and the next
        heartbeat tried later. Returns the server's Retry-After when it answered with one, so
        the loop waits as after any request told to."""
        now = self._clock()
        if now < self._next:
            return None
        try:
            heartbeat = build_heartbeat(self.store, self.config)
            received_at = self.client.send_heartbeat(heartbeat)
        except Exception as exc:  # noqa: BLE001 - a heartbeat never stops an upload
            retry_after = exc.retry_after_s if isinstance(exc, ServerError) else None
            self._next = now + max(min(self.every_s, RETRY_AFTER_FAILURE_S), retry_after or 0)
            event(log, LogEvent.UPLOADER_HEARTBEAT_FAILED, level=logging.WARNING,
                  error_type=type(exc).__name__, retry_after_s=retry_after)
            return retry_after
        self._next = now + self.every_s
        event(log, LogEvent.UPLOADER_HEARTBEAT_SENT, queue_depth=heartbeat.queue_depth,
              faults=len(heartbeat.faults))
        try:
            self.store.settings.set(status.HEARTBEAT_KEY, received_at)
        except Exception as exc:  # noqa: BLE001 - a note for kioskctl, not worth a crash
            event(log, LogEvent.UPLOADER_STATE_NOT_SAVED, level=logging.WARNING,
                  error_type=type(exc).__name__)
        return None


def heartbeats_for(store: KioskStore, client: ProvincialApiClient,
                   config: Config) -> Heartbeats | None:
    """The uploader's heartbeats, or None when `upload.heartbeat_s` is 0."""
    every = config.upload.heartbeat_s
    return Heartbeats(store, client, config, every) if every > 0 else None
