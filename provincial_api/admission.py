"""Admission of record uploads: a server that is behind answers "busy, come back at T" at once
rather than hold the request while it works through the ones before.

Why: when a fleet comes back online together, every kiosk keeps an upload in flight, and a
server that queues them all keeps each waiting kiosks x records per request / throughput
(3.2 s for 200 kiosks of 16 records at 1,000 records/s; 32 s for 2,000 kiosks), past clients'
timeouts, after which they send again what the server is still working on. Here each server
process takes on at most `max_wait_s` of work (the bytes of the record uploads in progress,
over the rate it has been getting through them) and gives every other upload an appointment:
when its turn would come, each spaced from the last by the work it brings. The 503 `busy`
answer carries it as Retry-After (whole seconds, RFC 9110) and as `retry_after_s` (to the
millisecond): kiosks come back spread out, at the rate the server works, instead of all at once.

The 503 is answered before the body is read, authenticated or parsed: it says nothing of the
request and changes nothing, so a stranger learns only that the server is busy.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from provincial_api.errors import ErrorBody

# Work in progress a process takes on, in seconds at its rate. It is most of an accepted
# upload's wait: with 0.5 the first requests of a fleet coming back at once waited up to 1.4 s
# (bench_fleet_pg.py), with 0.3 under 0.9 s, and no fewer records went through per second.
DEFAULT_MAX_WAIT_S = 0.3
# Bytes of record uploads a process gets through per second, until it has measured its own
# (about 550 records of a 40 KB photo; the benchmarks measured 300-600 per process on 2 cores).
# Better high than low: appointments are spaced by it, and those given to a fleet that came
# back at once are all given before anything is measured; a server that guessed too fast turns
# some away again, one that guessed too slow sits idle between appointments.
INITIAL_RATE_BPS = 30e6
# The rate is measured over stretches at least this long in which at least SATURATED of the
# limit was in progress throughout (the server had enough to do: what it answers is what it
# can do, not what it was offered).
RATE_WINDOW_S = 1.0
SATURATED = 0.5
# Under this much in progress, an upload is always admitted (one large batch is never refused
# for being large).
MIN_ADMITTED_BYTES = 2_000_000
# Appointments further out than this are not made: come back then, and ask again.
MAX_APPOINTMENT_S = 60.0


@dataclass
class Pacer:
    """The admission rule of one server process (its event loop calls it: no lock)."""

    max_wait_s: float = DEFAULT_MAX_WAIT_S
    rate_bps: float = INITIAL_RATE_BPS
    min_admitted_bytes: int = MIN_ADMITTED_BYTES
    in_progress: int = 0  # bytes of the record uploads admitted and not yet answered
    _next_slot: float = 0.0  # when the appointments given so far are expected to be through
    _saturated_since: float | None = field(default=None, repr=False)
    _meter_bytes: int = field(default=0, repr=False)

    @property
    def limit(self) -> float:
        """Bytes in progress beyond which uploads get an appointment instead."""
        return max(self.rate_bps * self.max_wait_s, self.min_admitted_bytes)

    def admit(self, size: int, now: float) -> float | None:
        """None: take on this upload of `size` bytes now (then `done` once answered). Else
        the seconds after which to come back: when its turn would come."""
        if self.in_progress == 0 or self.in_progress + size <= self.limit:
            self.in_progress += size
            self._learn(now)
            return None
        room_at = now + (self.in_progress + size - self.limit) / self.rate_bps
        start = max(room_at, self._next_slot)
        self._next_slot = start + size / self.rate_bps
        return min(start - now, MAX_APPOINTMENT_S)

    def done(self, size: int, now: float) -> None:
        """An admitted upload was answered (or failed): its bytes are no longer in progress."""
        self.in_progress = max(0, self.in_progress - size)
        if self._saturated_since is not None:
            self._meter_bytes += size
        self._learn(now)

    def _learn(self, now: float) -> None:
        """Measure the rate while the server has enough to do (when it has not, what it answers
        is what it was offered, which says nothing of how much more it could take)."""
        if self.in_progress >= SATURATED * self.limit:
            if self._saturated_since is None:
                self._saturated_since, self._meter_bytes = now, 0
            elif now - self._saturated_since >= RATE_WINDOW_S:
                measured = self._meter_bytes / (now - self._saturated_since)
                self.rate_bps = 0.5 * self.rate_bps + 0.5 * measured
                self._saturated_since, self._meter_bytes = now, 0
        else:
            self._saturated_since = None


class AdmissionMiddleware:
    """The `Pacer` in front of the record uploads (`PUT /v1/records/{id}` and the batch):
    admitted by Content-Length, before anything reads the body."""

    def __init__(self, app: ASGIApp, pacer: Pacer) -> None:
        self.app = app
        self.pacer = pacer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _record_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        size = int(declared) if declared.isdigit() else 0  # BodyLimitMiddleware judges it
        wait = self.pacer.admit(size, time.monotonic())
        if wait is not None:
            await _busy(send, wait)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.pacer.done(size, time.monotonic())


def _record_upload(scope: Scope) -> bool:
    if scope["type"] != "http":
        return False
    path: str = scope["path"]
    return (scope["method"] == "POST" and path == "/v1/records:batch") or (
        scope["method"] == "PUT" and path.startswith("/v1/records/"))


async def _busy(send: Send, wait_s: float) -> None:
    """503 busy with the appointment; the connection stays open (the server reads and drops
    the body the client still sends)."""
    wait_s = max(wait_s, 0.001)
    body = ErrorBody(error="busy", reason=f"the server is busy: send again in {wait_s:.1f} s",
                     retry_after_s=round(wait_s, 3))
    payload = body.model_dump_json(exclude_none=True).encode()
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"retry-after", str(math.ceil(wait_s)).encode()),
    ]})
    await send({"type": "http.response.body", "body": payload})
