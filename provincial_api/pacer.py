"""The admission rule of one server process: how much record-upload work it takes on, and when
to tell the others to come back (`admission` applies it to requests).

Work is what the server does with an upload once its body has arrived (checking, storing,
signing receipts): it is what the server's rate measures and what an accepted upload waits
behind, so it is what the limit bounds. Bodies still arriving cost the server nothing but
memory: they are bounded separately (RECEIVING_FACTOR times the limit, so a fleet that starts
at once is not all read in), and an upload whose body stops arriving is dropped after a while
(`admission.BODY_IDLE_S`) so it holds nothing for ever.

Appointments: when there is no room, the time the upload's turn would come, each spaced from
the last by the work it brings at the measured rate, never further out than MAX_APPOINTMENT_S.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Work a process takes on, in seconds at its rate. It is most of an accepted upload's wait:
# with 0.5 the first requests of a fleet coming back at once waited up to 1.4 s
# (bench_fleet_pg.py), with 0.3 under 0.9 s, and no fewer records went through per second.
DEFAULT_MAX_WAIT_S = 0.3
# Bytes of work a process gets through per second until it has measured its own (about 550
# records of a 40 KB photo; the benchmarks measured 300-600 per process on 2 cores). Better
# high than low: appointments are spaced by it, and those given to a fleet that came back at
# once are given before anything is measured; a server that guessed too fast turns some away
# again, one that guessed too slow sits idle between appointments.
INITIAL_RATE_BPS = 30e6
# No measurement takes the rate under this (appointments would run to the cap for nothing).
MIN_RATE_BPS = 1e6
# The rate is measured over stretches at least this long in which at least SATURATED of the
# limit was work in progress throughout (what the server answers then is what it can do, not
# what it was offered or how fast kiosks' links are).
RATE_WINDOW_S = 1.0
SATURATED = 0.5
# Bodies being received, at most this many times the limit (then: busy at once, unread). More
# would read in, at a fleet's start, bodies that then only get an appointment (with 2, the
# first requests of bench_fleet_pg.py's fleet waited up to 1.35 s against 1.0 s); less would
# turn away uploads arriving over slow links while the server had room for their work.
RECEIVING_FACTOR = 1.0
# Under this much work the limit never falls.
MIN_ADMITTED_BYTES = 2_000_000
# Appointments further out than this are not made: come back then, and ask again.
MAX_APPOINTMENT_S = 60.0


@dataclass
class Pacer:
    """Called from one process's event loop only: no lock."""

    max_wait_s: float = DEFAULT_MAX_WAIT_S
    rate_bps: float = INITIAL_RATE_BPS
    min_admitted_bytes: int = MIN_ADMITTED_BYTES
    receiving: int = 0  # bytes of the admitted uploads whose body is still arriving
    working: int = 0  # bytes of the uploads being worked on (body arrived, not yet answered)
    turned_away: int = 0  # busy answers given, for the log
    _next_slot: float = 0.0  # when the appointments given so far are expected to be through
    _saturated_since: float | None = field(default=None, repr=False)
    _meter_bytes: int = field(default=0, repr=False)

    @property
    def limit(self) -> float:
        """Bytes of work beyond which uploads get an appointment instead."""
        return max(self.rate_bps * self.max_wait_s, self.min_admitted_bytes)

    def arriving(self, size: int, now: float) -> float | None:
        """An upload of `size` bytes announced itself (its headers): None to read its body
        (then `arrived` or `abandoned`), else the seconds after which to come back."""
        pending = self.receiving + self.working
        if pending == 0 or (self.working < self.limit
                            and self.receiving + size <= RECEIVING_FACTOR * self.limit):
            self.receiving += size
            return None
        return self._appointment(size, now)

    def abandoned(self, size: int) -> None:
        """Its body never arrived whole (the client left or stalled): it holds nothing now."""
        self.receiving = max(0, self.receiving - size)

    def arrived(self, size: int, now: float) -> float | None:
        """Its body arrived: None to work on it now (then `done`), else the seconds after which
        to come back. Taken on when it fits under the limit, or whatever its size once the
        work in progress is under half of it (so an upload larger than the room usually left
        is not refused again and again)."""
        self.receiving = max(0, self.receiving - size)
        if self.working + size <= self.limit or self.working < self.limit / 2:
            self.working += size
            self._learn(now)
            return None
        return self._appointment(size, now)

    def done(self, size: int, now: float) -> None:
        """Worked on and answered (or failed): its bytes are no longer work in progress."""
        self.working = max(0, self.working - size)
        if self._saturated_since is not None:
            self._meter_bytes += size
        self._learn(now)

    def _appointment(self, size: int, now: float) -> float:
        self.turned_away += 1
        room_at = now + max(0.0, self.working + size - self.limit) / self.rate_bps
        start = min(max(room_at, self._next_slot), now + MAX_APPOINTMENT_S)
        self._next_slot = start + size / self.rate_bps
        return start - now

    def _learn(self, now: float) -> None:
        """Measure the rate while the server has enough work (when it has not, what it answers
        is what it was offered, which says nothing of how much more it could take)."""
        if self.working >= SATURATED * self.limit:
            if self._saturated_since is None:
                self._saturated_since, self._meter_bytes = now, 0
            elif now - self._saturated_since >= RATE_WINDOW_S:
                measured = self._meter_bytes / (now - self._saturated_since)
                self.rate_bps = max(MIN_RATE_BPS, 0.5 * self.rate_bps + 0.5 * measured)
                self._saturated_since, self._meter_bytes = now, 0
        else:
            self._saturated_since = None


def whole_seconds(wait_s: float) -> int:
    """Retry-After's delay-seconds for a wait: whole, at least 1."""
    return max(1, math.ceil(wait_s))
