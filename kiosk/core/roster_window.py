"""When a point's synced roster must be gone: the pure rule (the store is `kiosk.roster`).

A roster holds a point's candidates' personal data, kept on the kiosk only for the days it may
be needed offline: until the last window of the workflow that uses it closes (China time, as
windows are published). A workflow with no windows is open at all hours; its roster is kept
`MAX_ROSTER_AGE` from the sync and synced again before then by the uploader's timer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from kiosk.core.candidates import Exam
from kiosk.core.schedule import Window
from kiosk.core.step_base import CHINA_TZ

# Which exam's candidates each workflow looks up.
WORKFLOW_EXAM: dict[str, Exam] = {"confirm": "gaokao", "adult-confirm": "adult"}
MAX_ROSTER_AGE = timedelta(days=7)


def window_end(window: Window) -> datetime:
    """The moment a window closes for good: its last day's latest closing hour."""
    latest = max((end for _, end in window.hours), default=None)
    day = window.last_day
    if latest is None:  # no hours: the whole last day
        return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ) + timedelta(days=1)
    return datetime.combine(day, latest, tzinfo=CHINA_TZ)


def purge_at(windows: Iterable[Window], synced_at: datetime) -> datetime:
    """When a roster synced at `synced_at` is deleted: the end of the latest window still to
    close, never later than `MAX_ROSTER_AGE` after the sync; at the sync itself when every
    window has closed already (nothing may be kept for a window that is over)."""
    ends = [window_end(w) for w in windows]
    cap = synced_at + MAX_ROSTER_AGE
    if not ends:
        return cap
    return min(max(max(ends), synced_at), cap)
