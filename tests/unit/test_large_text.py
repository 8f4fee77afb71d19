"""Large text in high contrast is the candidate's choice for their session, as the language is
(kiosk.core.session): chosen at any step, kept through the steps and a notice, and the next
candidate starts with the kiosk's own display again (`[display] large_text`)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from kiosk.config import ConfigError, parse_config
from kiosk.core import events as ev
from kiosk.core.session import ATTRACT, NOTICE, Session, SessionSettings
from kiosk.core.step_base import StepSettings
from kiosk.core.workflows import get_workflow
from tests.synthetic import resident
from tests.unit.test_session import CAPTURE, STROKES, Shell, make, send, walk_to


def make_default_on():
    """A kiosk whose own display is large text (`[display] large_text = true`)."""
    shell = Shell(None, 0)
    session = Session(
        SessionSettings(get_workflow("collect"), StepSettings(device_id="T-1", large_text=True)),
        run_effect=shell.run,
        now=lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        monotonic=lambda: shell.clock,
    )
    return shell, session


def test_chosen_on_the_attract_screen_it_carries_into_the_session():
    shell, session = make()
    assert not session.large_text
    send(shell, session, ev.ChooseLargeText(True))
    assert session.large_text and session.screen == ATTRACT
    walk_to(shell, session, "check")
    assert session.data.large_text and session.large_text


def test_chosen_mid_step_it_holds_through_every_later_step_and_switches_back():
    shell, session = make()
    walk_to(shell, session, "identity")
    send(shell, session, ev.ChooseLargeText(True))
    assert session.screen == "identity" and session.large_text
    for event, screen in ((ev.Confirm(), "photo"), (CAPTURE, "photo"), (ev.Confirm(), "check"),
                          (ev.Confirm(), "sign"), (ev.Signed(STROKES), "done")):
        send(shell, session, event)
        assert session.screen == screen and session.large_text, screen
    send(shell, session, ev.ChooseLargeText(False))
    assert session.screen == "done" and not session.large_text


def test_the_next_candidate_starts_in_normal_text_after_a_completed_session():
    shell, session = make()
    send(shell, session, ev.ChooseLargeText(True))
    walk_to(shell, session, "done")
    assert session.large_text
    send(shell, session, ev.Confirm())
    assert session.screen == ATTRACT and not session.large_text


def test_the_next_candidate_starts_in_normal_text_after_cancel():
    shell, session = make()
    walk_to(shell, session, "photo")
    send(shell, session, ev.ChooseLargeText(True))
    send(shell, session, ev.Cancel())
    assert session.screen == ATTRACT and not session.large_text


def test_the_next_candidate_starts_in_normal_text_after_the_idle_timeout():
    shell, session = make(idle=30)
    walk_to(shell, session, "identity")
    send(shell, session, ev.ChooseLargeText(True))
    shell.clock += 31
    session.tick()
    assert session.last_end_reason == "idle_timeout" and not session.large_text


def test_a_notice_keeps_the_choice_until_it_is_dismissed():
    shell, session = make()
    send(shell, session, ev.ChooseLargeText(True))
    send(shell, session, ev.CardPresented(resident(valid_to=date(2026, 1, 1))))
    assert session.screen == NOTICE and session.large_text
    send(shell, session, ev.Dismiss())
    assert session.screen == ATTRACT and not session.large_text


def test_a_kiosk_whose_own_display_is_large_text_gives_it_to_every_candidate():
    shell, session = make_default_on()
    assert session.large_text
    walk_to(shell, session, "identity")
    send(shell, session, ev.ChooseLargeText(False))
    assert not session.large_text
    send(shell, session, ev.Cancel())
    assert session.large_text, "the next candidate gets the kiosk's own again"


def test_large_text_and_language_are_separate_choices():
    shell, session = make()
    send(shell, session, ev.ChooseLanguage("en"))
    send(shell, session, ev.ChooseLargeText(True))
    assert (session.language, session.large_text) == ("en", True)
    send(shell, session, ev.ChooseLanguage("zh"))
    assert session.large_text


def test_the_screens_are_told_of_a_switch_and_not_of_a_repeat():
    shell, session = make()
    seen = []
    session.add_listener(lambda s: seen.append(s.large_text))
    send(shell, session, ev.ChooseLargeText(True))
    send(shell, session, ev.ChooseLargeText(True))
    assert seen == [True]


def test_the_record_is_the_same_whatever_the_display():
    normal_shell, normal = make()
    walk_to(normal_shell, normal, "done")
    large_shell, large = make()
    send(large_shell, large, ev.ChooseLargeText(True))
    walk_to(large_shell, large, "done")
    (a,), (b,) = normal_shell.saved, large_shell.saved
    ignore = {"record_id", "session_id", "initial_password"}
    fields = [f.name for f in dataclasses.fields(a) if f.name not in ignore]
    assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}


def test_the_kiosk_config_sets_the_default_and_refuses_a_non_boolean():
    assert parse_config("[display]\nlarge_text = true\n").display.large_text is True
    assert parse_config("").display.large_text is False
    with pytest.raises(ConfigError, match="display.large_text"):
        parse_config('[display]\nlarge_text = "yes"\n')
