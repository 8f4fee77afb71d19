"""How long the uploader waits: after a failed drain, and before trying a refused record again.

Full jitter (AWS architecture blog) so a fleet of kiosks coming back online does not hammer the
server in step; the server's Retry-After is a floor under it, its way to stagger a fleet.
"""

from __future__ import annotations

import random

from central_api_client.client import MAX_RETRY_AFTER_S

BACKOFF_CAP_S = 300.0
# A refused record waits this long times 2**(attempts-1), up to a day: long enough not to flood
# the log and the server with a record that will be refused again, short enough that a fix on
# the server's side is picked up the same day.
REJECTED_RETRY_BASE_S = 60.0
REJECTED_RETRY_CAP_S = 24 * 3600.0


def backoff_delay(failures: int, base_s: float, cap_s: float = BACKOFF_CAP_S,
                  rand: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**(failures-1))]."""
    ceiling = min(cap_s, base_s * 2.0 ** max(0, min(failures - 1, 30)))
    return (rand or random).uniform(0.0, ceiling)


def next_delay(retry_after_s: float | None, failures: int, base_s: float,
               cap_s: float = BACKOFF_CAP_S, rand: random.Random | None = None) -> float:
    """How long to wait after a failed drain: the jittered back-off, but never less than the
    server's Retry-After (capped: a wrong header must not stop uploads for days)."""
    delay = backoff_delay(failures, base_s, cap_s, rand)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))
    return delay


def rejected_retry_after(attempts: int) -> float:
    """How long a record the server refused waits before its next try."""
    return min(REJECTED_RETRY_CAP_S, REJECTED_RETRY_BASE_S * 2.0 ** max(0, min(attempts - 1, 20)))
