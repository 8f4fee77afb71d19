"""Scripted staff at the kiosk: a staff card inserted and its PIN typed on the pad, the panel's
buttons tapped, the card pulled out. The slot the cards go into is the run's
(`Player.staff_slot`); the test beside the kiosk reads what the screens said from the
`autoplay.screen_text` lines these scripts log (staff numbers and panel words only: no name is
logged, the panel's "who" line is read as present or not)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from central_api_client.logs import LogEvent, event
from devtools.waits import Wait

if TYPE_CHECKING:
    from devtools.player import Player

log = logging.getLogger(__name__)
PIN = "246810"  # the PIN the test's staff cards were programmed with
WRONG_PIN = "135790"


def _read(p: Player, label: str, *widget_ids: str) -> None:
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label=label, screen=p.current_screen.name,
          texts={w: p.widget(w).text for w in widget_ids})


def shown(p: Player, name: str, timeout_s: float = 15.0) -> Wait:
    """The window shows screen `name` (a staff screen stands in for the session's)."""
    manager = p.app.root.ids.screens
    return p.until(lambda: manager.current == name, f"screen {name!r} shown", timeout_s)


def on(p: Player, name: str, timeout_s: float = 15.0) -> Iterator[Wait]:
    """Until screen `name` is shown and laid out (a tap before its layout settled would land
    where a button was on the screen before)."""
    yield shown(p, name, timeout_s)
    yield p.settled()


def type_pin(p: Player, pin: str) -> Iterator[Wait]:
    yield p.until(lambda: p.current_screen.may_type, "the PIN pad takes digits")
    for digit in pin:
        yield from p.tap(f"key_{digit}")
    yield from p.tap("pin_ok")


def sign_in(p: Player, holder: str = "staff", shots: str = "") -> Iterator[Wait]:
    """Insert `holder`'s card on the attract screen, type the PIN, reach the panel."""
    p.staff_slot.insert(holder)
    yield from on(p, "staff_pin")
    yield p.until(lambda: p.app.shell.staff.state.identified is not None, "the card identified")
    if shots:
        yield from p.shot(f"{shots}-pin")
    yield from type_pin(p, PIN)
    yield from on(p, "staff_panel")


def pull_card(p: Player) -> Iterator[Wait]:
    p.staff_slot.remove()
    yield p.screen("attract")
    yield p.settled()


def staff_tour(p: Player) -> Iterator[Wait]:
    """Every staff screen once, with a screenshot of each: the PIN pad, a wrong PIN (tries left),
    the panel (its voice switch turned off and on, with a speaker), the exceptions list, the
    report as a staff card sees it; the card pulled out returns to the attract screen."""
    yield p.screen("attract")
    p.staff_slot.insert("staff")
    yield from on(p, "staff_pin")
    yield p.until(lambda: p.app.shell.staff.state.identified is not None, "the card identified")
    yield from p.shot("staff-pin")
    yield from type_pin(p, WRONG_PIN)
    yield p.until(lambda: p.app.shell.staff.state.error == "wrong_pin", "wrong PIN said")
    yield p.settled()
    _read(p, "pin-wrong", "status", "who")
    yield from p.shot("staff-pin-wrong")
    yield from type_pin(p, PIN)
    yield from on(p, "staff_panel")
    _read(p, "panel", "kiosk_state", "today", "queue", "devices", "void_number")
    yield from p.shot("staff-panel")
    if p.current_screen.voice_available:  # a kiosk with a speaker: the voice switch, off, on
        yield from p.tap("voice")
        yield p.until(lambda: p.app.shell.staff.voice_off, "the voice turned off")
        _read(p, "panel-voice-off", "voice")
        yield from p.tap("voice")
        yield p.until(lambda: not p.app.shell.staff.voice_off, "the voice back on")
    yield p.place_card("resident-valid")  # a candidate's card while staff hold the screen
    yield p.sleep(1.5)  # a read takes about a second through the simulated reader
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label="card-under-panel", screen="staff_panel",
          texts={"session": p.session.screen, "shown": p.current_screen.name})
    yield p.remove_card()
    yield from p.tap("exceptions")
    yield from on(p, "staff_exceptions")
    yield from p.tap("case_dispute")
    yield p.settled()
    yield from p.shot("staff-exceptions")
    yield from p.tap("back")
    yield from on(p, "staff_panel")
    yield from p.tap("day_report")
    yield from on(p, "staff_report")
    _read(p, "report-staff", "said", "labels", "values")
    yield from p.shot("staff-report")
    yield from pull_card(p)
    yield from p.shot("attract-after-staff")


def staff_pause(p: Player) -> Iterator[Wait]:
    """Staff pause the kiosk (staff away) and pull their card: the attract screen says so and a
    candidate's card gets the same words. The kiosk is then stopped (the test restarts it)."""
    yield p.screen("attract")
    yield from sign_in(p)
    yield from p.tap("pause_break")
    yield p.until(lambda: p.current_screen.paused, "the panel shows the pause")
    yield p.settled()
    yield from p.shot("staff-panel-paused")
    yield from pull_card(p)
    yield p.until(lambda: p.current_screen.closed == "service_paused", "attract paused")
    yield p.settled()
    _read(p, "attract-paused", "closed_title", "prompt")
    yield from p.shot("attract-paused")
    yield p.place_card("resident-valid")
    yield p.screen("notice")
    yield p.settled()
    _read(p, "notice-paused", "title", "message")
    yield p.remove_card()
    yield from p.tap("home")
    yield p.screen("attract")


def staff_resume(p: Player) -> Iterator[Wait]:
    """After a restart the kiosk is still paused; staff resume it and a candidate starts; then
    staff sign in again and leave the panel alone until it closes by itself."""
    yield p.screen("attract")
    yield p.until(lambda: p.current_screen.closed == "service_paused", "still paused")
    _read(p, "attract-after-restart", "closed_title", "prompt")
    yield from sign_in(p)
    yield from p.tap("resume")
    yield p.until(lambda: not p.current_screen.paused, "the panel shows it open")
    yield from pull_card(p)
    yield p.until(lambda: p.current_screen.closed == "", "attract open")
    _read(p, "attract-resumed", "prompt")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield p.remove_card()
    yield from staff_idle(p)


def staff_take_over_and_void(p: Player) -> Iterator[Wait]:
    """A candidate walks away at the check step, holding a number; staff insert their card (the
    banner), take over (the session is cancelled), and void that number for "candidate left"."""
    yield p.screen("attract")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield from p.tap("confirm")
    yield p.screen("photo")
    yield p.until(lambda: p.current_screen.phase == "review", "photo review", 40)
    yield from p.tap("accept")
    yield p.screen("check")
    yield p.until(lambda: p.session.data is not None
                  and p.session.data.sequence_number is not None, "sequence number")
    p.staff_slot.insert("staff")
    yield p.until(lambda: p.app.root.staff_banner, "the staff banner")
    yield p.settled()
    _read(p, "banner", "footer_label", "take_over")
    yield from p.shot("staff-banner")
    yield from p.tap("take_over")
    yield from on(p, "staff_pin")
    yield p.remove_card()
    yield p.until(lambda: p.session.data is None, "the candidate's session cancelled")
    yield p.until(lambda: p.app.shell.staff.state.identified is not None, "the card identified")
    yield from type_pin(p, PIN)
    yield from on(p, "staff_panel")
    yield p.until(lambda: p.current_screen.void_number != "", "an unfinished number")
    yield p.settled()
    yield from p.shot("staff-panel-void")
    yield from p.tap("void_candidate_left")
    yield p.until(lambda: p.current_screen.void_said != "", "voided")
    yield p.settled()
    _read(p, "after-void", "void_said", "void_number", "today")
    yield from pull_card(p)


def staff_idle(p: Player) -> Iterator[Wait]:
    """Signed in, then left alone: the panel closes by itself after `[staff] idle_s`."""
    yield p.screen("attract")
    yield from sign_in(p)
    yield p.screen("attract", timeout_s=60)
    yield from on(p, "attract")
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label="idle-ended", screen="attract",
          texts={"why": p.app.shell.staff.state.last_end or ""})
    p.staff_slot.remove()


def staff_day_report(p: Player) -> Iterator[Wait]:
    """A staff card cannot confirm the day's report; a supervisor's card can."""
    yield p.screen("attract")
    yield from sign_in(p, "staff")
    yield from p.tap("day_report")
    yield from on(p, "staff_report")
    _read(p, "report-staff", "said", "confirm_report")
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label="report-staff-button", screen="staff_report",
          texts={"disabled": str(p.widget("confirm_report").disabled)})
    yield from pull_card(p)
    yield from sign_in(p, "supervisor")
    yield from p.tap("day_report")
    yield from on(p, "staff_report")
    yield from p.shot("staff-report-supervisor")
    yield from p.tap("confirm_report")
    yield p.until(lambda: p.current_screen.said == p.t("staff_report_confirmed"), "confirmed")
    yield p.settled()
    _read(p, "report-supervisor", "said", "values")
    yield from p.shot("staff-report-confirmed")
    yield from pull_card(p)


def staff_timing(p: Player) -> Iterator[Wait]:
    """For the benchmark (`--repeat N` rounds): a card inserted on the attract screen until the
    PIN pad is drawn, and the OK finger lifted on the right PIN until the panel is drawn (the
    first frame after the screen changed); logged as `autoplay.staff_timing`."""
    from devtools.touch import ScriptTouch

    manager = p.app.root.ids.screens
    yield p.screen("attract")
    yield p.settled()
    start = time.perf_counter()
    p.staff_slot.insert("staff")
    yield p.until(lambda: manager.current == "staff_pin", "the PIN pad", 10)
    yield p.settled(1)
    pin_pad_s = time.perf_counter() - start
    yield p.until(lambda: p.current_screen.may_type, "the PIN pad takes digits")
    for digit in PIN:
        yield from p.tap(f"key_{digit}")
    ok = p.widget("pin_ok")
    touch = ScriptTouch(*ok.to_window(*ok.center))
    touch.down()
    yield p.sleep(0.08)
    start = time.perf_counter()
    touch.up()
    yield p.until(lambda: manager.current == "staff_panel", "the panel", 10)
    yield p.settled(1)
    panel_s = time.perf_counter() - start
    event(log, LogEvent.AUTOPLAY_STAFF_TIMING, pin_pad_s=round(pin_pad_s, 4),
          panel_s=round(panel_s, 4))
    yield from pull_card(p)


SCRIPTS = {
    "staff-tour": staff_tour,
    "staff-pause": staff_pause,
    "staff-resume": staff_resume,
    "staff-take-over-void": staff_take_over_and_void,
    "staff-idle": staff_idle,
    "staff-day-report": staff_day_report,
    "staff-timing": staff_timing,
}
