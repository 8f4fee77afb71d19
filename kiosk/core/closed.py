"""What the kiosk says while the central configuration keeps it closed (a pause, outside every
window, an expired bundle): the attract screen and the notice a candidate gets on placing a
card say the same words, so both ask this module. Pure; the words are in `kiosk.core.texts`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime, time

from kiosk.core.notices import Notice
from kiosk.core.schedule import Closed, Refusal
from kiosk.core.step_base import CHINA_TZ
from kiosk.core.texts import notice_text, text


def closed_words(refusal: Refusal, language: str) -> tuple[str, str]:
    """Title and message for a closed kiosk: the admins' own words for a pause (their default
    when they gave none), the next opening's date and hours outside the windows."""
    notice = Notice(refusal.reason.value)
    title, default = notice_text(notice, language)
    if refusal.reason is Closed.PAUSED and refusal.message is not None:
        words = refusal.message.en if language == "en" else refusal.message.zh
        return title, words or default
    if refusal.reason is Closed.OUTSIDE_WINDOW:
        if refusal.next_opening is None:
            return title, text("closed_no_opening", language)
        return title, text("closed_next_opening", language,
                           date=date_text(refusal.next_opening, language),
                           hours=hours_text(refusal.opening_hours, language))
    return title, default


def notice_words(notice: Notice, closed: Refusal | None, language: str,
                 values: Mapping[str, str] | None = None) -> tuple[str, str]:
    """A notice's title and message (`values` fill it in: the point a candidate chose); the
    closed kiosk's own words when it is the notice of that closure (a candidate who placed a
    card on a closed kiosk reads what the attract screen said)."""
    if closed is not None and notice.value == closed.reason.value:
        return closed_words(closed, language)
    return notice_text(notice, language, **(values or {}))


def date_text(at: datetime, language: str) -> str:
    """The day of `at` in China time, spelled out with its weekday (candidates plan by it)."""
    day = at.astimezone(CHINA_TZ).date()
    return text("date_long", language, year=day.year, month=text(f"month_{day.month}", language),
                day=day.day, weekday=text(f"weekday_{day.weekday()}", language))


def hours_text(hours: tuple[tuple[time, time], ...], language: str) -> str:
    """"08:00–12:00 and 15:00–18:00"; a range to the end of the day reads 24:00, as the
    admins published it."""
    def clock(t: time) -> str:
        return "24:00" if t >= time(23, 59, 59) else t.strftime("%H:%M")

    ranges = [text("hours_range", language, start=clock(a), end=clock(b)) for a, b in hours]
    return functools.reduce(lambda a, b: text("hours_and", language, first=a, second=b), ranges)
