"""Scripted runs for the central configuration's rules as the screen shows them: a pause that
comes and goes while the kiosk waits, outside every window, a card outside the audience, a
workflow changed between two candidates.

The test beside the kiosk publishes the bundles (`tests/e2e/test_central_schedule.py`); these
scripts only read what the screens show (their kv widgets), log it as `autoplay.screen_text`
for the test to compare with what was published, and take the screenshots. Each waits for a
state change at most `session.gate_refresh_s` plus a margin after the previous step's
screenshot: the test times the change itself from the moment the bundle was applied.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from central_api_client.logs import LogEvent, event
from devtools.waits import Wait

if TYPE_CHECKING:
    from devtools.player import Player

log = logging.getLogger(__name__)
PUBLISH_MARGIN_S = 120.0  # the test publishes and applies a bundle between two states


def _read(p: Player, label: str, *widget_ids: str) -> None:
    """Log the words the current screen shows in these widgets (admins' and kiosk's words
    only: these scripts read the attract and notice screens, which hold no candidate's data)."""
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label=label, screen=p.session.screen,
          texts={w: p.widget(w).text for w in widget_ids})


def _attract(p: Player, closed: str, label: str, timeout_s: float) -> Iterator[Wait]:
    """The attract screen in state `closed` ("" open): read it and take its picture."""
    yield p.screen("attract", timeout_s=timeout_s)
    yield p.until(lambda: p.current_screen.closed == closed,
                  f"attract screen {closed or 'open'}", timeout_s=timeout_s)
    yield p.settled()
    _read(p, label, "closed_title", "prompt", "hint")
    yield from p.shot(label)


def _card_gets_the_same_words(p: Player, code: str, label: str) -> Iterator[Wait]:
    """A candidate places a card on the closed kiosk: the notice, nothing collected."""
    yield p.place_card("resident-valid")
    yield p.screen("notice")
    yield p.until(lambda: p.session.notice_code == code, f"notice {code!r}")
    yield p.settled()
    _read(p, label, "title", "message")
    yield from p.shot(label)
    yield p.remove_card()
    yield from p.tap("home")


def central_pause(p: Player) -> Iterator[Wait]:
    """Open, then paused by the admins (the attract screen says their words, and so does the
    notice a card gets), then open again once they lift the pause."""
    yield from _attract(p, "", "attract-open", 30)
    yield from _attract(p, "service_paused", "attract-paused", PUBLISH_MARGIN_S)
    yield from _card_gets_the_same_words(p, "service_paused", "notice-paused")
    yield from _attract(p, "", "attract-reopened", PUBLISH_MARGIN_S)


def outside_window(p: Player) -> Iterator[Wait]:
    """Outside every window: the attract screen says when the next one opens; a card gets
    the same words."""
    yield from _attract(p, "outside_window", "attract-outside-window", 30)
    yield from _card_gets_the_same_words(p, "outside_window", "notice-outside-window")
    yield p.screen("attract")


def outside_audience(p: Player) -> Iterator[Wait]:
    """A window for some areas only: the test has placed a card of another area on the
    reader; the card is read and the candidate told, before anything is collected."""
    yield p.screen("notice", timeout_s=30)
    yield p.until(lambda: p.session.notice_code == "not_in_audience", "notice 'not_in_audience'")
    yield p.settled()
    _read(p, "notice-not-in-audience", "title", "message")
    yield from p.shot("notice-not-in-audience")
    yield p.remove_card()
    yield from p.tap("home")
    yield from _attract(p, "", "attract-after-audience", 15)


def _steps_shown(p: Player, label: str) -> None:
    """Log the step bar's labels as shown (step names only, never a candidate's data)."""
    chips = reversed(p.widget("stepbar").children)
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label=label, screen=p.session.screen,
          texts={"steps": " | ".join(chip.text for chip in chips)})


def _candidate_sees_steps(p: Player, first_screen: str, label: str) -> Iterator[Wait]:
    """A candidate places a card: the workflow's first screen after the card, its step bar
    read and pictured; then the candidate cancels."""
    yield p.place_card("resident-valid")
    yield p.screen(first_screen, timeout_s=30)
    yield p.settled()
    _steps_shown(p, label)
    yield from p.shot(label)
    yield p.remove_card()
    yield from p.tap("cancel")
    yield p.screen("attract")


def central_workflow(p: Player) -> Iterator[Wait]:
    """The admins drop the identity confirmation from the workflow while the kiosk runs: one
    candidate goes from the card to the identity screen; the test then pauses the kiosk (so
    this script knows a bundle came) and reopens it with the new workflow: the next
    candidate goes from the card straight to the photo, and the step bar says so."""
    yield from _attract(p, "", "attract-open", 30)
    yield from _candidate_sees_steps(p, "identity", "steps-before")
    yield from _attract(p, "service_paused", "attract-paused", PUBLISH_MARGIN_S)
    yield from _attract(p, "", "attract-reopened", PUBLISH_MARGIN_S)
    yield from _candidate_sees_steps(p, "photo", "steps-after")
