"""Scripts for the candidates the kiosk must not leave behind: English readers (the language
button, a foreigner's card) and privacy between candidates (nothing of the last one left in any
widget). Run by `devtools.play` like the others; each fails the run on what a candidate would
notice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from devtools.scripts import journey
from devtools.waits import Script, ScriptFailed, Wait
from hardware.idcard.sim import card_file
from kiosk.core.texts import LANGUAGE_NAMES, text

if TYPE_CHECKING:
    from devtools.player import Player


def _header_says(p: Player, language: str) -> Wait:
    root = p.app.root
    title = text("app_title", language)
    return p.until(lambda: p.app.lang == language and any(
        getattr(w, "text", None) == title for w in root.ids.header.children),
        f"the header in {language}")


def journey_english(p: Player) -> Iterator[Wait]:
    """A foreigner's card turns the kiosk to English by itself; the whole first visit follows
    in English (screenshots of each screen), and the next candidate is greeted in Chinese."""
    yield _header_says(p, "zh")
    steps = journey(p, card="foreign-2023")
    for wait in steps:
        yield wait
        if p.session.screen == "identity" and p.session.data is not None:
            break
    yield _header_says(p, "en")
    yield p.until(lambda: p.widget("language").text == LANGUAGE_NAMES["zh"],
                  "the language button offers Chinese")
    yield p.until(lambda: p.widget("confirm").text == text("identity_confirm", "en"),
                  "the identity screen in English")
    yield from steps
    yield _header_says(p, "zh")


def switch_language(p: Player) -> Iterator[Wait]:
    """The language button, always there: English on the attract screen carries into the
    session, back to Chinese mid-step redraws the step, and a new candidate starts in Chinese."""
    yield p.screen("attract")
    yield from p.tap("language")
    yield _header_says(p, "en")
    yield p.settled()  # the screen is laid out anew in English before the next tap
    yield from p.shot("attract-english")
    yield from p.tap("start")
    yield p.screen("card")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield _header_says(p, "en")
    yield from p.shot("identity-english")
    yield from p.tap("language")
    yield _header_says(p, "zh")
    yield p.until(lambda: p.widget("confirm").text == text("identity_confirm", "zh"),
                  "the identity screen back in Chinese")
    yield from p.tap("language")
    yield _header_says(p, "en")
    yield p.settled()
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield _header_says(p, "zh")
    yield p.remove_card()


def _left_behind(p: Player, card_name: str) -> list[str]:
    """Where anything of the card's holder is still held: a text, or a picture's texture."""
    card = json.loads(card_file(card_name).read_text(encoding="utf-8"))
    secrets = [card["name"], card["id_number"], card["id_number"][-6:]]
    found = []
    screens = p.app.root.ids.screens.screens
    for screen in screens:
        for w in screen.walk(restrict=True):
            for prop in ("text", "hint_text", "value"):
                v = getattr(w, prop, None)
                if isinstance(v, str) and any(s and s in v for s in secrets):
                    found.append(f"{screen.name}:{type(w).__name__}.{prop}")
            if type(w).__name__ == "Picture" and getattr(w, "texture", None) is not None:
                found.append(f"{screen.name}:Picture")
    return found


def privacy(p: Player) -> Iterator[Wait]:
    """Cancel on the check screen, and walk away on the identity screen: afterwards no widget
    of any screen holds the name, the ID number or a photo; a card left on the reader starts
    no one's session."""
    yield p.screen("attract")
    yield p.settled()
    yield from p.tap("start")
    yield p.screen("card")
    yield from p.card_to_check()
    yield p.settled()
    if not _left_behind(p, "resident-valid"):
        raise ScriptFailed("the walk finds nothing even while the check screen shows the data")
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield p.settled()
    left = _left_behind(p, "resident-valid")
    if left:
        raise ScriptFailed(f"after cancel, still held: {left}")
    # The card stays on the reader: the kiosk does not start the next session with it.
    yield p.sleep(2 * p.config.session.card_poll_s + 1.0)
    if p.session.screen != "attract":
        raise ScriptFailed("a card left on the reader started a session")
    yield p.remove_card()
    # Walked away on the identity screen: the idle timeout wipes it the same way.
    yield p.sleep(0.5)
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield p.screen("attract", timeout_s=p.session.settings.idle_timeout_s + 10)
    yield p.settled()
    left = _left_behind(p, "resident-valid")
    if left:
        raise ScriptFailed(f"after the idle timeout, still held: {left}")
    yield p.remove_card()


SCRIPTS: dict[str, Script] = {
    "journey-english": journey_english,
    "switch-language": switch_language,
    "privacy": privacy,
}
