"""When a session may start by the central configuration: the windows of the 2019 adult exam
(2-11 September, 08:00-12:00 and 15:00-18:00, the first four days for the city's own
candidates), pauses, and what an expired bundle means."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.schedule import (
    Closed,
    Expiry,
    Message,
    StartRules,
    Window,
    expiry_state,
    in_audience,
    next_opening,
    pause_for,
    start_refusal,
)
from kiosk.core.step_base import CHINA_TZ

HOURS = ((time(8), time(12)), (time(15), time(18)))
CITY_DAYS = Window(date(2019, 9, 2), date(2019, 9, 5), HOURS, ("4301",))
EVERYONE = Window(date(2019, 9, 6), date(2019, 9, 11), HOURS)
RULES = StartRules(windows={"adult-confirm": (CITY_DAYS, EVERYONE)})


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2019, 9, day, hour, minute, tzinfo=CHINA_TZ)


def test_inside_the_hours_a_session_starts() -> None:
    assert start_refusal(RULES, "adult-confirm", "4301", at(2, 8)) is None
    assert start_refusal(RULES, "adult-confirm", "4301", at(11, 17, 59)) is None


def test_at_lunch_the_next_window_is_the_afternoon() -> None:
    refusal = start_refusal(RULES, "adult-confirm", "4301", at(3, 12))
    assert refusal is not None and refusal.reason is Closed.OUTSIDE_WINDOW
    assert refusal.next_opening == at(3, 15)


def test_after_hours_the_next_window_is_tomorrow_morning_and_after_the_last_none() -> None:
    assert next_opening(RULES.windows["adult-confirm"], at(5, 18)) == at(6, 8)
    assert next_opening(RULES.windows["adult-confirm"], at(1, 23)) == at(2, 8)
    refusal = start_refusal(RULES, "adult-confirm", "4301", at(11, 18))
    assert refusal is not None and refusal.next_opening is None


def test_the_clock_is_china_time_whatever_the_machine_zone() -> None:
    utc = datetime(2019, 9, 2, 0, 30, tzinfo=UTC)  # 08:30 in Changsha
    assert start_refusal(RULES, "adult-confirm", "4301", utc) is None


def test_a_workflow_without_windows_is_always_open() -> None:
    assert start_refusal(RULES, "collect", "4301", at(1, 3)) is None


def test_the_first_days_serve_only_the_citys_candidates() -> None:
    assert in_audience(RULES, "adult-confirm", "430102", at(2, 9))
    assert not in_audience(RULES, "adult-confirm", "430602", at(2, 9))
    assert in_audience(RULES, "adult-confirm", "430602", at(6, 9))
    assert in_audience(RULES, "collect", "110101", at(2, 9))


def test_a_pause_wins_and_carries_its_words() -> None:
    county = Message("本县暂停", "paused in this county")
    province = Message("全省暂停", "paused province-wide")
    rules = StartRules(area_pauses={"4301": county, "430102": Message("区", "district")})
    assert pause_for(rules, "430102") == Message("区", "district")  # the most specific
    refusal = start_refusal(rules, "collect", "430105", at(2, 9))
    assert refusal is not None and refusal.reason is Closed.PAUSED and refusal.message == county
    assert start_refusal(rules, "collect", "4306", at(2, 9)) is None
    both = StartRules(province_pause=province, area_pauses={"4301": county})
    assert pause_for(both, "4301") == province


def test_what_an_expired_bundle_means() -> None:
    expires = at(10, 0)
    assert expiry_state(expires, at(9, 0), 2, "stop") is Expiry.VALID
    assert expiry_state(expires, at(11, 0), 2, "stop") is Expiry.GRACE
    assert expiry_state(expires, at(12, 0), 2, "stop") is Expiry.FROZEN_STOP
    assert expiry_state(expires, at(12, 0), 2, "keep") is Expiry.FROZEN_KEEP
    stop = StartRules(expires=expires, freeze_after_days=2, on_expired="stop")
    refusal = start_refusal(stop, "collect", "4301", at(12, 0))
    assert refusal is not None and refusal.reason is Closed.EXPIRED
    assert start_refusal(stop, "collect", "4301", at(11, 0)) is None
    keep = StartRules(expires=expires, on_expired="keep")
    assert start_refusal(keep, "collect", "4301", at(30, 0)) is None


@given(st.datetimes(datetime(2019, 8, 1), datetime(2019, 10, 1)).map(
    lambda d: d.replace(tzinfo=CHINA_TZ)))
def test_the_next_opening_is_open_and_nothing_opens_before_it(now: datetime) -> None:
    windows = RULES.windows["adult-confirm"]
    opening = next_opening(windows, now)
    if opening is None:
        assert now.date() >= date(2019, 9, 11)
        return
    assert opening > now and any(w.open_at(opening) for w in windows)
    # Between now and the opening nothing opens: at most the window open now runs on.
    now_open, closed_seen = any(w.open_at(now) for w in windows), False
    probe = now + timedelta(minutes=7)
    while probe < opening:
        if any(w.open_at(probe) for w in windows):
            assert now_open and not closed_seen
        else:
            closed_seen = True
        probe += timedelta(minutes=7)
