"""What a closed kiosk says (kiosk/core/closed.py): the admins' pause words, the next window's
date and hours, the staff message of an expired bundle, in both languages; and the hours of
the next opening's day (kiosk/core/schedule.py opening_hours)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from kiosk.core.closed import closed_words, date_text, hours_text, notice_words
from kiosk.core.documents import CardType
from kiosk.core.notices import Notice
from kiosk.core.schedule import (
    Closed,
    Message,
    Refusal,
    StartRules,
    Window,
    opening_hours,
    start_refusal,
)
from kiosk.core.steps import CHINA_TZ
from kiosk.core.texts import LANGUAGES, notice_text, text
from tests.synthetic import resident

HOURS = ((time(8), time(12)), (time(15), time(18)))
SEPTEMBER = Window(date(2019, 9, 2), date(2019, 9, 11), HOURS)
RULES = StartRules(windows={"collect": (SEPTEMBER,)})


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2019, month, day, hour, minute, tzinfo=CHINA_TZ)


def test_before_the_windows_the_next_opening_lists_that_days_hours() -> None:
    refusal = start_refusal(RULES, "collect", "4301", at(8, 30, 20))
    assert refusal is not None and refusal.reason is Closed.OUTSIDE_WINDOW
    assert refusal.next_opening == at(9, 2, 8)
    assert refusal.opening_hours == HOURS
    assert closed_words(refusal, "zh") == (
        "现在不是报名确认时间",
        "下次报名确认时间：\n2019年9月2日（星期一）  08:00至12:00及15:00至18:00")
    assert closed_words(refusal, "en") == (
        "Registration is closed at this time",
        "Registration next opens on\nMonday 2 September 2019, 08:00–12:00 and 15:00–18:00")


def test_at_lunch_only_the_afternoon_is_listed() -> None:
    refusal = start_refusal(RULES, "collect", "4301", at(9, 3, 12, 30))
    assert refusal is not None and refusal.opening_hours == (HOURS[1],)
    assert closed_words(refusal, "en")[1].endswith("Tuesday 3 September 2019, 15:00–18:00")


def test_hours_of_every_window_open_that_day_are_merged_in_order() -> None:
    evening = Window(date(2019, 9, 2), date(2019, 9, 2), ((time(19), time(23, 59, 59, 999999)),))
    assert opening_hours((SEPTEMBER, evening), at(9, 2, 8)) == (*HOURS, evening.hours[0])
    assert opening_hours((SEPTEMBER, evening), at(9, 3, 8)) == HOURS
    assert hours_text(evening.hours, "en") == "19:00–24:00"  # as the admins published it
    assert hours_text((*HOURS, *evening.hours), "zh") == "08:00至12:00及15:00至18:00及19:00至24:00"


def test_after_the_last_window_it_says_none_is_scheduled() -> None:
    refusal = start_refusal(RULES, "collect", "4301", at(9, 11, 18))
    assert refusal is not None and refusal.next_opening is None
    for language in LANGUAGES:
        assert closed_words(refusal, language)[1] == text("closed_no_opening", language)


def test_a_pause_shows_the_admins_words_in_the_screens_language() -> None:
    words = Message("系统维护，暂停服务", "Paused for maintenance")
    refusal = Refusal(Closed.PAUSED, message=words)
    assert closed_words(refusal, "zh") == ("报名服务暂停", "系统维护，暂停服务")
    assert closed_words(refusal, "en") == ("Registration is paused", "Paused for maintenance")
    assert closed_words(Refusal(Closed.PAUSED), "en") == notice_text(Notice.SERVICE_PAUSED, "en")


def test_an_expired_bundle_that_stops_says_so_to_staff() -> None:
    for language in LANGUAGES:
        title, message = closed_words(Refusal(Closed.EXPIRED), language)
        assert "kioskctl config status" in message and title


def test_a_card_on_a_closed_kiosk_reads_what_the_attract_screen_said() -> None:
    refusal = start_refusal(RULES, "collect", "4301", at(8, 30, 20))
    assert refusal is not None
    assert notice_words(Notice.OUTSIDE_WINDOW, refusal, "zh") == closed_words(refusal, "zh")
    assert notice_words(Notice.DISK_FULL, refusal, "zh") == notice_text(Notice.DISK_FULL, "zh")
    assert notice_words(Notice.OUTSIDE_WINDOW, None, "en") == \
        notice_text(Notice.OUTSIDE_WINDOW, "en")


@pytest.mark.parametrize("day", range(1, 8))
def test_every_weekday_and_month_has_its_words(day: int) -> None:
    for month in range(1, 13):
        for language in LANGUAGES:
            assert "{" not in date_text(datetime(2024, month, day, 12, tzinfo=CHINA_TZ), language)


def test_the_address_code_is_the_numbers_first_six_digits() -> None:
    assert resident().address_code == "430102"
    assert resident(card_type=CardType.FOREIGN_2017, id_number="USA431234567890").address_code \
        == ""
