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

from central_api_client.contract import utc_timestamp
from kiosk.store import KioskStore

STATUS_KEY = "sync.status"
# Epoch seconds: a restarted uploader waits until then (a Retry-After outlives a restart).
NEXT_ATTEMPT_KEY = "sync.next_attempt_at"

# code -> what it means and what to do, for a technician or staff member.
_WORDS = {
    "ok": "Uploading normally.",
    "never": "The uploader has not run yet.",
    "unreachable": "Cannot reach the provincial server (network or server down). Records are"
    " safe on this machine and will upload when it is back.",
    "server_error": "The provincial server is answering with errors. Records are safe here and"
    " will be retried automatically.",
    "overloaded": "The provincial server asked this kiosk to wait (busy). Records are safe here"
    " and will upload after the wait.",
    "unexpected_response": "Something between this kiosk and the provincial server answered"
    " wrongly (a proxy or captive portal?). Records are safe here.",
    "unknown_device": "The provincial server does not know this kiosk: it has not been enrolled"
    " (or was withdrawn). Ask a technician to enrol device {device_id}.",
    "bad_signature": "The provincial server refused this kiosk's signature: its device key is"
    " not the one enrolled. Ask a technician to re-enrol this kiosk.",
    "signature_missing": "The provincial server expected a signed request. Update this kiosk's"
    " software.",
    "replay": "The provincial server saw a request twice and refused the copy. This clears by"
    " itself; if it persists, ask a technician.",
    "rejected": "The provincial server refused some records ({reason}). They are kept on this"
    " machine and tried again later; a technician should look at `kioskctl sync status`.",
    "clock_skew": "This kiosk's clock is wrong{offset}. Set the date and time (NTP), then"
    " uploads resume. Records are safe on this machine.",
}


@dataclass(frozen=True)
class SyncStatus:
    code: str  # one of _WORDS' keys
    reason: str  # the technical reason (no personal data), for logs and support
    at: str | None  # when this outcome was recorded
    last_success_at: str | None
    clock_offset_s: float | None  # server time minus ours, when the server told us
    next_attempt_at: float | None

    @property
    def ok(self) -> bool:
        return self.code in ("ok", "never")

    def words(self, device_id: str = "") -> str:
        """The status as a sentence for people (English; the UI has its own strings by code)."""
        offset = ""
        if self.clock_offset_s is not None:
            direction = "behind" if self.clock_offset_s > 0 else "ahead of"
            offset = f" (about {abs(self.clock_offset_s):.0f} s {direction} the server's)"
        template = _WORDS.get(self.code, "Upload problem: {reason}")
        return template.format(device_id=device_id, offset=offset, reason=self.reason)


def _now() -> str:
    return utc_timestamp(datetime.now(UTC))


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
    now = _now()
    store.settings.set(STATUS_KEY, {"code": "ok", "reason": "", "at": now, "last_success_at": now})


def record_problem(
    store: KioskStore, code: str, reason: str, *, server_time: str | None = None
) -> None:
    """Remember the latest problem, keeping when the last success was."""
    previous = store.settings.get(STATUS_KEY) or {}
    value: dict[str, Any] = {
        "code": code,
        "reason": reason[:300],
        "at": _now(),
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
