"""When a session may start, by the central configuration: schedule windows, pauses, expiry.

The plans order registration hours staggered by area when the system is overloaded, and the
service paused under attack; the central admins decide both in the signed bundle, and these are
the rules a kiosk applies to it before each candidate (never during one). Pure and small so that
the attract screen, the session gate and `kioskctl` say the same thing; the wall clock is China
time (UTC+8, no daylight saving), as the published windows are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from kiosk.core.step_base import CHINA_TZ


@dataclass(frozen=True)
class Window:
    """Days `first_day`..`last_day` (inclusive), daily `hours` as (start, end) with the end
    exclusive, for the candidates whose card address code starts with one of `audience`
    (empty: everyone)."""

    first_day: date
    last_day: date
    hours: tuple[tuple[time, time], ...]
    audience: tuple[str, ...] = ()

    def open_at(self, now: datetime) -> bool:
        local = now.astimezone(CHINA_TZ)
        if not self.first_day <= local.date() <= self.last_day:
            return False
        t = local.time().replace(tzinfo=None)
        return any(start <= t < end for start, end in self.hours)

    def admits(self, address_code: str) -> bool:
        return not self.audience or any(address_code.startswith(a) for a in self.audience)

    def next_start(self, now: datetime) -> datetime | None:
        """The first daily start strictly after `now`, or None when the window is over. The
        hours are the same every day, so today and the day after decide it."""
        today = now.astimezone(CHINA_TZ).date()
        first = max(self.first_day, today)
        for day in (first, first + timedelta(days=1)):
            if day > self.last_day:
                break
            for start, _ in self.hours:
                at = datetime.combine(day, start, CHINA_TZ)
                if at > now:
                    return at
        return None


@dataclass(frozen=True)
class Message:
    """What candidates read during a pause, in each language."""

    zh: str
    en: str


class Expiry(StrEnum):
    VALID = "valid"  # before the bundle's expiry
    GRACE = "grace"  # expired, within freeze_after_days: still applied, staff alerted
    FROZEN_STOP = "frozen_stop"  # past the grace, "stop": no new sessions
    FROZEN_KEEP = "frozen_keep"  # past the grace, "keep": sessions go on, staff alerted


def expiry_state(expires: datetime, now: datetime, freeze_after_days: float,
                 on_expired: str) -> Expiry:
    """What an expired bundle means: a silent publisher (or a repository frozen by an
    attacker) must not keep kiosks on old rules forever, but the admins choose whether that
    stops registration or only alerts staff."""
    if now < expires:
        return Expiry.VALID
    if now < expires + timedelta(days=freeze_after_days):
        return Expiry.GRACE
    return Expiry.FROZEN_STOP if on_expired == "stop" else Expiry.FROZEN_KEEP


class Closed(StrEnum):
    """Why no session starts now; the value is the notice code the kiosk shows."""

    PAUSED = "service_paused"
    OUTSIDE_WINDOW = "outside_window"
    EXPIRED = "config_expired"


@dataclass(frozen=True)
class Refusal:
    reason: Closed
    message: Message | None = None  # the admins' words for a pause
    next_opening: datetime | None = None  # outside the windows: when the next one opens
    # ... and that day's hours from then on, for the attract screen to list after the date
    opening_hours: tuple[tuple[time, time], ...] = ()


@dataclass(frozen=True)
class StartRules:
    """The rules of one bundle. `windows` per workflow; a workflow not named is open at all
    hours. `area_pauses` are keyed by area code prefix (a county, a city)."""

    windows: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)
    province_pause: Message | None = None
    area_pauses: Mapping[str, Message] = field(default_factory=dict)
    expires: datetime | None = None
    freeze_after_days: float = 0.0
    on_expired: str = "stop"


def pause_for(rules: StartRules, area_code: str) -> Message | None:
    """The province's pause first, then the most specific area's that covers this machine."""
    if rules.province_pause is not None:
        return rules.province_pause
    covering = [a for a in rules.area_pauses if area_code.startswith(a)]
    return rules.area_pauses[max(covering, key=len)] if covering else None


def next_opening(windows: Iterable[Window], now: datetime) -> datetime | None:
    """When the next window opens after `now` (None: none is left)."""
    starts = [s for w in windows if (s := w.next_start(now)) is not None]
    return min(starts) if starts else None


def opening_hours(windows: Iterable[Window], at: datetime) -> tuple[tuple[time, time], ...]:
    """The daily hours, from `at` on, of every window open on `at`'s day (China time): a
    candidate told only "opens at 08:00" would not know it closes again at noon."""
    local = at.astimezone(CHINA_TZ)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    return tuple(sorted({h for w in windows if w.first_day <= day <= w.last_day
                         for h in w.hours if h[0] >= clock}))


def start_refusal(rules: StartRules, workflow: str, area_code: str,
                  now: datetime) -> Refusal | None:
    """Why a new session of `workflow` may not start now on a machine of `area_code`, or None.
    A pause wins (it says why), then an expired bundle, then the windows."""
    pause = pause_for(rules, area_code)
    if pause is not None:
        return Refusal(Closed.PAUSED, message=pause)
    if rules.expires is not None and expiry_state(
            rules.expires, now, rules.freeze_after_days, rules.on_expired) is Expiry.FROZEN_STOP:
        return Refusal(Closed.EXPIRED)
    windows = rules.windows.get(workflow, ())
    if windows and not any(w.open_at(now) for w in windows):
        opens = next_opening(windows, now)
        return Refusal(Closed.OUTSIDE_WINDOW, next_opening=opens,
                       opening_hours=opening_hours(windows, opens) if opens else ())
    return None


def in_audience(rules: StartRules, workflow: str, address_code: str, now: datetime) -> bool:
    """Whether a candidate whose card address code is `address_code` is served by a window
    open now (asked once the card is read, before anything is collected)."""
    windows = rules.windows.get(workflow, ())
    if not windows:
        return True
    return any(w.open_at(now) and w.admits(address_code) for w in windows)


def open_workflows(rules: StartRules, workflows: Iterable[str], now: datetime) -> tuple[str, ...]:
    """Which of a machine's workflows have a window open now (no windows: always open), in
    the machine's order: the attract screen offers each of them."""
    return tuple(w for w in workflows
                 if not rules.windows.get(w) or any(x.open_at(now) for x in rules.windows[w]))


def machine_refusal(rules: StartRules, workflows: Iterable[str], area_code: str,
                    now: datetime) -> Refusal | None:
    """Why no session of any of the machine's workflows may start now, or None when one may.
    A pause or an expired bundle closes them all alike; outside every window the soonest
    opening of any of them is the one the attract screen names."""
    refusals = [start_refusal(rules, w, area_code, now) for w in workflows]
    if not refusals or any(r is None for r in refusals):
        return None
    closed = [r for r in refusals if r is not None]
    opening = [r for r in closed if r.next_opening is not None]
    if closed[0].reason is not Closed.OUTSIDE_WINDOW or not opening:
        return closed[0]  # a pause or an expired bundle is the same for every workflow
    return min(opening, key=lambda r: r.next_opening or now)
