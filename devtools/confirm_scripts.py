"""Scripted candidates on their second visit: the gaokao's `confirm` and the adult exam's
`adult-confirm`, whole, with a screenshot of each screen; and the ways they stop (a point the
candidate did not choose, a minor at a point not designated, a correction request).

The test beside the kiosk imports the candidate's online registration into the province and
reads the printed form and the province's record; these scripts only touch and look.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from central_api_client.logs import LogEvent, event
from devtools.waits import Wait
from kiosk.core.health import Alert
from kiosk.core.texts import alert_text

if TYPE_CHECKING:
    from devtools.player import Player

log = logging.getLogger(__name__)


def _start(p: Player, workflow: str, card: str) -> Iterator[Wait]:
    """The attract screen, a card, and (with several workflows open) the button of `workflow`."""
    yield p.screen("attract")
    yield p.settled()
    several = len(p.session.offered) > 1
    yield from p.shot("attract")
    yield p.place_card(card)
    if several:
        yield p.until(lambda: p.session.choosing, "the choice of workflow")
        yield from p.shot("attract-choose")
        yield from p.tap(f"start_{workflow}")
    yield p.screen("identity")
    yield from p.shot("identity")
    yield from p.tap("confirm")


def _sign_and_print(p: Player) -> Iterator[Wait]:
    yield p.screen("sign")
    yield from p.sign()
    yield from p.shot("sign")
    yield from p.tap("confirm")
    yield p.screen("done", timeout_s=90)  # the A4 form through CUPS first
    yield from p.shot("done")
    yield p.remove_card()
    yield from p.tap("finish")
    yield p.screen("attract")


def confirm(p: Player, card: str = "resident-valid") -> Iterator[Wait]:
    """The gaokao's second visit: the proof table page by page, signed, the form printed."""
    yield from _start(p, "confirm", card)
    yield from _every_page(p, shots=True)
    yield from p.tap("confirm")
    yield from _sign_and_print(p)


def _every_page(p: Player, shots: bool) -> Iterator[Wait]:
    """The proof table, each page in turn (confirming needs every one seen)."""
    yield p.screen("proof")
    page = 0
    while True:
        yield p.until(_on_page(p, page), f"proof page {page + 1}")
        if shots:
            yield from p.shot(f"proof-{page + 1}")
        if p.current_screen.page >= p.current_screen.pages - 1:
            return
        yield from p.tap("next")
        page += 1


def _on_page(p: Player, page: int) -> Callable[[], bool]:
    return lambda: bool(p.current_screen.page == page)


def adult_confirm(p: Player, card: str = "resident-valid") -> Iterator[Wait]:
    """The adult exam's on-site confirmation: photo, the pledge copied, check, sign, print."""
    yield from _start(p, "adult-confirm", card)
    yield p.screen("photo")
    yield p.until(lambda: p.current_screen.phase == "review", "photo review", timeout_s=30)
    yield from p.shot("photo-review")
    yield from p.tap("accept")
    yield p.screen("pledge")
    yield from p.sign()
    yield from p.shot("pledge")
    yield from p.tap("confirm")
    yield p.screen("check")
    yield from p.shot("check")
    yield from p.tap("confirm")
    yield from _sign_and_print(p)


def _stopped(p: Player, code: str) -> Iterator[Wait]:
    """The notice `code`, its words logged (a notice holds no candidate's data: the point
    named is a point's code), its picture, home."""
    yield p.screen("notice")
    yield p.until(lambda: p.session.notice_code == code, f"notice {code!r}")
    yield p.settled()
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label=code, screen=p.session.screen,
          texts={w: p.widget(w).text for w in ("title", "message")})
    yield from p.shot(f"notice-{code.replace('_', '-')}")
    yield p.remove_card()
    yield from p.tap("home")
    yield p.screen("attract")


def wrong_point(p: Player, card: str = "resident-long-term") -> Iterator[Wait]:
    yield from _start(p, "adult-confirm", card)
    yield from _stopped(p, "wrong_point")


def minor_not_designated(p: Player, card: str = "permit-hmt") -> Iterator[Wait]:
    yield from _start(p, "adult-confirm", card)
    yield from _stopped(p, "minor_not_designated")


def correction(p: Player, card: str = "resident-valid") -> Iterator[Wait]:
    """"信息有误" on the proof table: the candidate waits on the dispute screen while the footer
    calls staff, naming no value; nobody comes, and the candidate cancels."""
    yield from _start(p, "confirm", card)
    yield p.screen("proof")
    yield from p.tap("dispute")
    yield p.until(lambda: p.app.root.ids.screens.current == "dispute", "the dispute screen")
    yield p.until(lambda: p.staff_alert != "", "staff called in the footer")
    yield p.settled()
    event(log, LogEvent.AUTOPLAY_SCREEN_TEXT, label="correction_requested", screen="dispute",
          texts={"alert": p.staff_alert})
    yield from p.shot("dispute-correction")
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield p.remove_card()


def second_visits(p: Player) -> Iterator[Wait]:
    """Both journeys in one kiosk window: the gaokao's, then the adult exam's."""
    yield from confirm(p)
    yield from adult_confirm(p)


def second_visits_adult_first(p: Player) -> Iterator[Wait]:
    """Both journeys in one kiosk window, the adult exam's first (the last form printed is
    then the gaokao's registration form)."""
    yield from adult_confirm(p)
    yield from confirm(p)


def form_not_printed(p: Player, card: str = "resident-valid") -> Iterator[Wait]:
    """The A4 queue is stopped (the test stops it): the record is saved, the print screen
    says the form did not print and staff see the A4 printer's alert; the candidate leaves
    without it."""
    yield from _start(p, "confirm", card)
    yield from _every_page(p, shots=False)
    yield from p.tap("confirm")
    yield p.screen("sign")
    yield from p.sign()
    yield from p.tap("confirm")
    yield p.screen("print_form", timeout_s=30)
    yield p.until(lambda: p.current_screen.failed, "form not printed", timeout_s=60)
    alert = alert_text(Alert.A4_PRINTER_FAULT, p.config.display.language)
    yield p.until(lambda: p.staff_alert == alert, "the A4 printer's staff alert")
    yield from p.shot("print-form-failed")
    yield p.remove_card()
    yield from p.tap("leave")
    yield p.screen("attract")


def refusals(p: Player) -> Iterator[Wait]:
    """The ways a second visit stops short: another point, a minor here, a correction
    request, a form that did not print."""
    yield from wrong_point(p)
    yield from minor_not_designated(p)
    yield from correction(p)
    yield from form_not_printed(p)


SCRIPTS = {
    "confirm": confirm,
    "adult-confirm": adult_confirm,
    "second-visits": second_visits,
    "second-visits-adult-first": second_visits_adult_first,
    "second-visit-refusals": refusals,
}
