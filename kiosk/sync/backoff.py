"""How long the uploader waits: after a failed drain, and before trying a refused record again.

Full jitter (AWS architecture blog) so a fleet of kiosks coming back online does not hammer the
server in step; the server's Retry-After is a floor under it, its way to stagger a fleet. A
province that answers busy gives an appointment instead, which is kept (`busy_delay`).
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
# A busy province's appointment is kept, up to this fraction (at most BUSY_JITTER_MAX_S) late,
# so kiosks given the same time do not arrive in step (the province spaces them already: a
# jitter growing with the wait only left it idle at the end of a fleet's drain), and never
# sooner than BUSY_MIN_WAIT_S (a server answering busy with no wait must not be asked again in
# a tight loop).
BUSY_JITTER = 0.1
BUSY_JITTER_MAX_S = 0.1
BUSY_MIN_WAIT_S = 0.25
# Busy answers in a row after which the ordinary back-off takes over: a server that is busy
# for ever is in trouble, whatever it says.
BUSY_PATIENCE = 30


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


def busy_delay(retry_after_s: float, rand: random.Random | None = None) -> float:
    """How long to wait when the province answered busy with an appointment in
    `retry_after_s`: the appointment, jittered a little later, not the failure back-off (the
    server is up and pacing its fleet; its appointments are spaced at the rate it works)."""
    wait = max(BUSY_MIN_WAIT_S, min(retry_after_s, MAX_RETRY_AFTER_S))
    return wait + (rand or random).uniform(0.0, min(wait * BUSY_JITTER, BUSY_JITTER_MAX_S))


def rejected_retry_after(attempts: int) -> float:
    """How long a record the server refused waits before its next try."""
    return min(REJECTED_RETRY_CAP_S, REJECTED_RETRY_BASE_S * 2.0 ** max(0, min(attempts - 1, 20)))
