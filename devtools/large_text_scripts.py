"""Scripts for candidates who need large text in high contrast: the footer's button switched on
at the attract screen, then every screen of the collect journey, its disputes and the notices
with a screenshot (each one passes the layout check the player runs at every shot: targets of 15 mm,
no text out of its box). In Chinese or in English (`-en`), so both languages' longest words
are laid out. Run by `devtools.play` like the others."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from devtools.scripts import journey
from devtools.waits import Script, ScriptFailed, Wait
from kiosk.ui import theme

if TYPE_CHECKING:
    from devtools.player import Player


def _large_text_on(p: Player, language: str) -> Iterator[Wait]:
    """On the attract screen: the large-text button (and the language button for English);
    the window turns high contrast and the texts grow."""
    yield p.screen("attract")
    yield p.settled()
    normal_title = p.app.fs_title
    yield from p.tap("large_text")
    yield p.until(lambda: p.app.large_text and p.app.colors is theme.HIGH_CONTRAST,
                  "high contrast on")
    if p.app.fs_title <= normal_title:
        raise ScriptFailed(f"titles did not grow ({normal_title} -> {p.app.fs_title})")
    if language != p.app.lang:
        yield from p.tap("language")
        yield p.until(lambda: p.app.lang == language, f"the screens in {language}")
    yield p.settled()


def _back_to_normal(p: Player) -> Wait:
    """The next candidate gets the kiosk's own display again."""
    return p.until(lambda: p.session.screen == "attract" and not p.app.large_text
                   and p.app.colors is theme.NORMAL, "normal text for the next candidate")


def _notice(p: Player, language: str, card: str, code: str, shot: str) -> Iterator[Wait]:
    yield from _large_text_on(p, language)
    yield p.place_card(card)
    yield p.screen("notice")
    yield p.until(lambda: p.session.notice_code == code, f"notice {code!r}")
    if not p.app.large_text:
        raise ScriptFailed("the notice lost the candidate's large text")
    yield from p.shot(shot)
    yield p.remove_card()
    yield from p.tap("home")
    yield _back_to_normal(p)


def large_text_journey(language: str) -> Script:
    def script(p: Player) -> Iterator[Wait]:
        """The whole first visit in large text, then two refused cards' notices."""
        yield from _large_text_on(p, language)
        for wait in journey(p):
            yield wait
            if p.session.data is not None and not p.app.large_text:
                raise ScriptFailed(f"large text lost on the {p.session.screen} screen")
        yield _back_to_normal(p)
        yield from _notice(p, language, "resident-expired", "card_expired",
                           "notice-card-expired")
        yield from _notice(p, language, "resident-bad-checksum", "id_number_checksum",
                           "notice-bad-number")
    return script


def large_text_notice(language: str) -> Script:
    def script(p: Player) -> Iterator[Wait]:
        """Whatever notice refuses a valid card on this machine (its config decides: the
        disk guard, the upload freeze), in large text."""
        yield from _large_text_on(p, language)
        yield p.place_card("resident-valid")
        yield p.screen("notice")
        yield p.until(lambda: p.session.notice_code is not None, "a notice")
        yield from p.shot(f"notice-{p.session.notice_code}")
        yield p.remove_card()
        yield from p.tap("home")
        yield _back_to_normal(p)
    return script


def _dispute_shown(p: Player) -> Wait:
    """The dispute screen stands in for the step the candidate waits on."""
    return p.until(lambda: p.app.root.ids.screens.current == "dispute", "the dispute screen")


def _cancel_dispute(p: Player) -> Iterator[Wait]:
    yield from p.tap("cancel")
    yield _back_to_normal(p)
    yield p.remove_card()


def large_text_disputes(language: str) -> Script:
    def script(p: Player) -> Iterator[Wait]:
        """"This is not me" on the identity screen, and "Something is wrong" on the check
        screen (the fields to pick, buttons in the scrolled table), in large text: the
        screens a candidate meets while calling staff, each left by the candidate's cancel."""
        yield from _large_text_on(p, language)
        yield p.place_card("resident-valid")
        yield p.screen("identity")
        yield from p.tap("dispute")
        yield _dispute_shown(p)
        yield from p.shot("dispute-not-me")
        yield from _cancel_dispute(p)
        yield from _large_text_on(p, language)
        yield from p.card_to_check()
        yield p.until(lambda: p.current_screen.ready, "sequence number")
        yield from p.tap("dispute")
        yield p.until(lambda: p.current_screen.picking, "fields to pick")
        yield p.settled()
        (name,) = [w for w in p.widget("fields").children if getattr(w, "key", "") == "name"]
        yield from p.tap_on(name, "field name")
        yield p.until(lambda: name.chosen, "the name picked")
        yield from p.shot("check-pick")
        yield from p.tap("dispute")
        yield _dispute_shown(p)
        yield from p.shot("dispute-data")
        yield from _cancel_dispute(p)
    return script


def large_text_with_staff(language: str) -> Script:
    def script(p: Player) -> Iterator[Wait]:
        """A candidate in large text says "This is not me": staff's card brings their PIN pad
        in the kiosk's own display (large text is the candidate's), the dispute screen with
        staff's answers comes back in large text, and staff end the session. Needs the run's
        staff card slot (tests/ui/staff_play.py)."""
        from devtools import staff_scripts

        yield from _large_text_on(p, language)
        yield p.place_card("resident-valid")
        yield p.screen("identity")
        yield from p.tap("dispute")
        yield _dispute_shown(p)
        p.staff_slot.insert("staff")
        yield from staff_scripts.on(p, "staff_pin")
        yield p.until(lambda: not p.app.large_text and p.app.colors is theme.NORMAL,
                      "staff's PIN pad in the kiosk's own display")
        if p.widget("large_text").kind != "primary":
            raise ScriptFailed("the large-text button went out while the candidate has it on")
        yield from p.shot("staff-pin")
        yield from staff_scripts.type_pin(p, staff_scripts.PIN)
        yield p.until(lambda: p.app.shell.staff.member is not None, "staff signed in")
        yield _dispute_shown(p)
        yield p.until(lambda: p.current_screen.staff_here and p.app.large_text,
                      "staff's answers, in the candidate's large text")
        yield p.settled()
        yield from p.shot("dispute-staff")
        yield from p.tap("end")
        yield p.until(lambda: p.session.screen == "notice", "the session ended by staff")
        p.staff_slot.remove()
        yield p.remove_card()
        yield p.screen("attract", timeout_s=30)
        yield _back_to_normal(p)
    return script


def _named(make: Callable[[str], Script], prefix: str) -> dict[str, Script]:
    return {prefix: make("zh"), f"{prefix}-en": make("en")}


SCRIPTS: dict[str, Script] = {
    **_named(large_text_journey, "large-text-journey"),
    **_named(large_text_notice, "large-text-notice"),
    **_named(large_text_disputes, "large-text-disputes"),
    **_named(large_text_with_staff, "large-text-with-staff"),
}
