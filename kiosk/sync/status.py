"""How the upload is going, kept in the database so `kioskctl` and the staff screen can say it.

The uploader writes its last outcome to the settings table after every drain; readers (another
process) turn the stable code into words. The point of distinct codes: a wrong clock, an
unenrolled machine and a network outage need different people to do different things, so none
of them may look like "no network".
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from central_api_client.contract import utc_now
from kiosk.core.freeze import frozen
from kiosk.core.texts import sync_text
from kiosk.store import KioskStore

STATUS_KEY = "sync.status"
# Epoch seconds: a restarted uploader waits until then (a Retry-After outlives a restart).
NEXT_ATTEMPT_KEY = "sync.next_attempt_at"
# When `kioskctl export` last wrote the unacknowledged records out: it lifts the upload freeze.
EXPORT_KEY = "sync.last_export_at"
# When this machine started counting towards the upload freeze, for one that has neither
# uploaded nor exported yet (set once, by the kiosk's first start).
FREEZE_SINCE_KEY = "sync.freeze_counting_since"
# The devices' health as the kiosk (the UI process) last saw it: part -> "ok" or a fault code,
# written when it changes; the uploader's heartbeat reads it (the processes share only the
# database).
HEALTH_KEY = "health.parts"
# When the uploader last sent a heartbeat the province accepted (for `kioskctl` and support).
HEARTBEAT_KEY = "sync.last_heartbeat_at"



@dataclass(frozen=True)
class SyncStatus:
    code: str  # one of kiosk.core.texts.SYNC's keys: what it means and what to do, in words
    reason: str  # the technical reason (no personal data), for logs and support
    at: str | None  # when this outcome was recorded
    last_success_at: str | None
    clock_offset_s: float | None  # server time minus ours, when the server told us
    next_attempt_at: float | None

    @property
    def ok(self) -> bool:
        return self.code in ("ok", "never")

    def words(self, device_id: str = "", language: str = "en") -> str:
        """The status as a sentence for people (`kioskctl` prints English)."""
        offset = ""
        if self.clock_offset_s is not None:
            seconds = abs(self.clock_offset_s)
            if language == "zh":
                direction = "慢于" if self.clock_offset_s > 0 else "快于"
                offset = f"（{direction}服务器约 {seconds:.0f} 秒）"
            else:
                direction = "behind" if self.clock_offset_s > 0 else "ahead of"
                offset = f" (about {seconds:.0f} s {direction} the server's)"
        return sync_text(self.code, language, device_id=device_id, offset=offset,
                         reason=self.reason)



# An idle uploader drains every few seconds; rewriting "ok" each time would be an fsync each
# time for nothing. A success refreshes the stored time at most this often.
SUCCESS_REFRESH_S = 60.0


def record_success(store: KioskStore) -> None:
    previous = store.settings.get(STATUS_KEY) or {}
    if previous.get("code") == "ok" and previous.get("at"):
        with contextlib.suppress(ValueError):
            age = time.time() - datetime.fromisoformat(previous["at"]).timestamp()
            if 0 <= age < SUCCESS_REFRESH_S:
                return
    now = utc_now()
    store.settings.set(STATUS_KEY, {"code": "ok", "reason": "", "at": now, "last_success_at": now})


def record_problem(
    store: KioskStore, code: str, reason: str, *, server_time: str | None = None
) -> None:
    """Remember the latest problem, keeping when the last success was."""
    previous = store.settings.get(STATUS_KEY) or {}
    value: dict[str, Any] = {
        "code": code,
        "reason": reason[:300],
        "at": utc_now(),
        "last_success_at": previous.get("last_success_at"),
    }
    if server_time:
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(server_time)
            value["clock_offset_s"] = moment.timestamp() - time.time()
    store.settings.set(STATUS_KEY, value)


def read_status(store: KioskStore) -> SyncStatus:
    value = store.settings.get(STATUS_KEY) or {}
    return SyncStatus(
        code=value.get("code", "never"),
        reason=value.get("reason", ""),
        at=value.get("at"),
        last_success_at=value.get("last_success_at"),
        clock_offset_s=value.get("clock_offset_s"),
        next_attempt_at=store.settings.get(NEXT_ATTEMPT_KEY),
    )


def record_export(store: KioskStore) -> None:
    """An export was written: the records are off the machine, so the freeze clock restarts."""
    store.settings.set(EXPORT_KEY, utc_now())


def start_freeze_clock(store: KioskStore) -> None:
    """The first start of a kiosk on this database starts its freeze clock; later starts keep
    it, so restarting the kiosk does not buy a frozen machine more days."""
    if store.settings.get(FREEZE_SINCE_KEY) is None:
        store.settings.set(FREEZE_SINCE_KEY, utc_now())


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def upload_frozen(store: KioskStore, freeze_after_days: float,
                  now: datetime | None = None) -> bool:
    """Whether the upload freeze (`kiosk.core.freeze`) holds now, from what the uploader,
    `kioskctl export` and the kiosk's first start recorded. The last success counts any drain
    that left no record behind, including one with nothing to send: the freeze is about
    records that stay on the machine, not about the network as such."""
    if freeze_after_days <= 0:
        return False
    now = now or datetime.now(UTC)
    status_value = store.settings.get(STATUS_KEY) or {}
    since = _moment(store.settings.get(FREEZE_SINCE_KEY))
    return frozen(
        now=now,
        freeze_after_days=freeze_after_days,
        last_upload=_moment(status_value.get("last_success_at")),
        last_export=_moment(store.settings.get(EXPORT_KEY)),
        counting_since=since or now,
    )


def record_health(store: KioskStore, parts: dict[str, str]) -> None:
    """The kiosk's device health, for the heartbeat: a small upsert, only on a change."""
    store.settings.set(HEALTH_KEY, dict(parts))


def read_health(store: KioskStore) -> dict[str, str]:
    """What `record_health` kept; empty when the kiosk never ran on this database (or the value
    is not the map it should be: the heartbeat then says nothing rather than something wrong)."""
    value = store.settings.get(HEALTH_KEY)
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}
