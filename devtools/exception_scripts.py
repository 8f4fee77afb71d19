"""Scripted exception paths: staff enter a candidate by hand on the pinyin keyboard, a
supervisor approves; a migrant child's form; disputes on the identity and check screens.

Staff sign in as at the kiosk: their card into the run's staff card slot (`p.staff_slot`: the
kiosk's private pcscd and vpcd with the PIV emulator), the PIN typed on the panel's pad; the
cases are started from the panel's exceptions list. Every touch goes through Kivy's input path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from devtools import staff_scripts
from kiosk.core.documents import CardType
from kiosk.core.exception_cases import Case
from kiosk.core.idnumber import make_number

if TYPE_CHECKING:
    from devtools.player import Player
    from devtools.waits import Wait

log = logging.getLogger(__name__)
BORN = date(2008, 5, 17)
NUMBER = make_number("430102", BORN, 37, male=False)  # a synthetic, fictional candidate
NAME = (("ce", "测"), ("shi", "试"), ("yi", "乙"))


CLERK, SUPERVISOR = "staff", "supervisor"  # the holders the staff card slot knows


def _sign_in(p: Player, holder: str | None) -> Iterator[Wait]:
    """`holder`'s card in and the PIN on the pad (None: the card out). Between candidates the
    panel opens; while the session waits for staff its own screen comes back in front."""
    if holder is None:
        p.staff_slot.remove()
        yield p.until(lambda: p.app.shell.staff.member is None, "the staff card out")
    else:
        p.staff_slot.insert(holder)
        yield from staff_scripts.on(p, "staff_pin")
        yield p.until(lambda: p.app.shell.staff.state.identified is not None,
                      "the card identified")
        yield from staff_scripts.type_pin(p, staff_scripts.PIN)
        yield p.until(lambda: p.app.shell.staff.member is not None, f"the {holder} signed in")
    yield p.settled()  # staff's buttons appear: laid out over a few frames


def _start_case(p: Player, code: str) -> Iterator[Wait]:
    """The clerk signs in on the attract screen and picks the case from the panel's list."""
    yield from _sign_in(p, CLERK)
    yield from staff_scripts.on(p, "staff_panel")
    yield from p.tap("exceptions")
    yield from staff_scripts.on(p, "staff_exceptions")
    yield from p.tap(f"case_{code}")


def _dispute_shown(p: Player) -> Wait:
    """The dispute screen stands in for the step the candidate was on (the session stays on
    that step, waiting for staff)."""
    return p.until(lambda: p.app.root.ids.screens.current == "dispute", "the dispute screen")


def _type_name(p: Player, name: tuple[tuple[str, str], ...] = NAME) -> Iterator[Wait]:
    keyboard = p.widget("keyboard")
    for syllable, char in name:
        for letter in syllable:
            key = next(k for row in keyboard.ids.rows.children for k in row.children
                       if k.text == letter)
            yield from p.tap_on(key, f"key {letter}")
        for _page in range(8):
            shown = [b for b in keyboard.ids.candidates.children if b.text == char]
            if shown:
                yield from p.tap_on(shown[0], "candidate")
                break
            yield from p.tap_on(keyboard.ids.more, "more")
        yield p.until(_typed(p, char), f"{char} typed")


def _typed(p: Player, char: str) -> Callable[[], bool]:
    return lambda: bool(p.widget("name").text.endswith(char))


def _type_on_usb_keyboard(p: Player, syllable: str, char: str) -> Iterator[Wait]:
    """A USB keyboard into the pinyin box: the letters, then the digit of the character."""
    keyboard = p.widget("keyboard")
    box = keyboard.ids.pinyin
    box.focus = True
    yield p.settled()
    box.insert_text(syllable)
    yield p.until(lambda: char in keyboard.offered, f"{char} offered for {syllable}")
    box.insert_text(str(keyboard.offered.index(char) + 1))
    yield p.until(_typed(p, char), f"{char} typed on the keyboard")
    box.focus = False


def _fill_entry(p: Player, number: str) -> Iterator[Wait]:
    """Staff type as they would: the number and the date on a USB keyboard, the name on the
    pinyin keyboard, sex and nation by touch."""
    p.widget("number").text = number
    yield from _type_name(p)
    yield from p.tap("sex_female")
    p.widget("nation").text = "01 汉"
    p.widget("birth").text = BORN.isoformat()
    yield p.settled()


def _photo_check_sign(p: Player) -> Iterator[Wait]:
    yield p.screen("photo")
    yield p.until(lambda: p.current_screen.phase == "review", "photo review", timeout_s=30)
    yield from p.tap("accept")
    yield p.screen("check")
    yield p.until(lambda: p.session.data is not None
                  and p.session.data.sequence_number is not None, "sequence number")


def hand_entry(p: Player) -> Iterator[Wait]:
    """An expired card: staff enter the candidate, who does photo, check and sign; the
    clerk's card may not approve, a supervisor's does; the record is sealed and printed."""
    yield p.screen("attract")
    yield from _start_case(p, Case.CARD_EXPIRED.value)
    yield p.screen("entry")
    yield from p.shot("entry")
    wrong = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
    yield from _fill_entry(p, wrong)
    checksum = p.t("entry_status_entry_number_checksum")
    yield p.until(lambda: p.current_screen.number_state == checksum,
                  "the number judged as typed")
    yield from p.tap("submit")
    yield p.until(lambda: p.current_screen.problem != "", "the entry's problem shown")
    yield from p.shot("entry-problem")
    p.widget("number").text = NUMBER
    yield p.until(lambda: p.current_screen.number_ok, "the number checks out")
    yield from p.shot("entry-filled")
    yield from p.tap("submit")
    yield from _photo_check_sign(p)
    yield from p.shot("check-entered")
    yield from _correct_the_name(p)
    yield from p.tap("confirm")
    yield p.screen("sign")
    yield from p.sign()
    yield from p.tap("confirm")
    yield p.screen("approve")
    yield from p.tap("approve")  # the clerk's own card: a staff role may not approve
    yield p.until(lambda: p.current_screen.problem == p.t("approval_not_supervisor"),
                  "a staff card refused")
    yield from p.shot("approve-refused")
    yield from _sign_in(p, SUPERVISOR)
    yield from p.tap("approve")
    yield p.screen("done", timeout_s=30)
    told = p.t("after_come_back_with_card")
    yield p.until(lambda: p.current_screen.afterwards == told, "told to come back")
    yield from p.shot("done")
    yield from _sign_in(p, None)
    yield from p.tap("finish")
    yield p.screen("attract")


def _correct_the_name(p: Player) -> Iterator[Wait]:
    """The candidate says the name typed is wrong; the clerk corrects the entry (乙 → 丙) and
    the candidate checks again."""
    yield from p.tap("dispute")
    yield p.until(lambda: p.current_screen.picking, "fields to pick")
    [name] = [w for w in p.widget("fields").children if getattr(w, "key", "") == "name"]
    yield from p.tap_on(name, "field name")
    yield from p.tap("dispute")
    yield _dispute_shown(p)  # the clerk is still signed in: staff's answers are there
    yield p.settled()  # laid out first: a tap before lands where the button is not yet
    yield from p.tap("correct")
    yield p.screen("entry")
    yield p.until(lambda: p.widget("name").text == "".join(c for _s, c in NAME),
                  "the entry filled in again")
    yield from p.shot("entry-correct")
    yield from p.tap_on(p.widget("keyboard").ids.backspace, "backspace")
    yield from _type_on_usb_keyboard(p, "bing", "丙")
    yield from p.tap("submit")
    yield p.screen("check")


def other_document(p: Player) -> Iterator[Wait]:
    """Another document: the entry offers the passes and passports of the case; staff pick a
    passport, whose number is judged by its shape, then cancel (the record of this case at
    the province: tests/integration/test_every_exception_to_the_province.py)."""
    yield p.screen("attract")
    yield from _start_case(p, Case.OTHER_DOCUMENT.value)
    yield p.screen("entry")
    yield from p.tap("doc_type")  # the list of the case's documents opens
    words = p.t(f"card_type_{CardType.PASSPORT.value}")
    dropdown = p.widget("doc_type")._dropdown
    yield p.until(lambda: dropdown.attach_to is not None, "the documents listed")
    [passport] = [o for o in dropdown.container.children if o.text == words]
    yield from p.tap_on(passport, "passport")
    yield p.until(lambda: p.current_screen.card_type == CardType.PASSPORT.value, "passport")
    p.widget("number").text = "E12345678"
    yield p.until(lambda: p.current_screen.number_ok, "a passport number's shape")
    yield from p.shot("entry-passport")
    yield from p.tap("cancel")
    yield from _sign_in(p, None)
    yield p.screen("attract")


def cannot_come(p: Player) -> Iterator[Wait]:
    """A candidate who cannot come: staff enter them, read the data back by phone and confirm
    it in their own name; a supervisor approves; no photo, no signature."""
    yield p.screen("attract")
    yield from _start_case(p, Case.CANNOT_COME.value)
    yield p.screen("entry")
    yield from _fill_entry(p, NUMBER)
    yield p.until(lambda: p.current_screen.number_ok, "the number checks out")
    yield from p.tap("submit")
    yield p.screen("check")
    yield p.until(lambda: p.session.data is not None
                  and p.session.data.sequence_number is not None, "sequence number")
    yield from p.tap("confirm")
    yield p.screen("phone")
    yield p.until(lambda: p.current_screen.signed_in, "the clerk may confirm")
    yield from p.shot("phone")
    yield from p.tap("confirmed")
    yield p.screen("approve")
    yield from _sign_in(p, SUPERVISOR)
    yield from p.tap("approve")
    yield p.screen("done", timeout_s=30)
    told = p.t("after_photo_and_signature")
    yield p.until(lambda: told in p.current_screen.afterwards, "told what follows")
    yield from _sign_in(p, None)
    yield from p.tap("finish")
    yield p.screen("attract")


def migrant(p: Player) -> Iterator[Wait]:
    """A migrant worker's child: the card is read; after signing the county's form prints
    (or says it did not and lets staff print it later)."""
    yield p.screen("attract")
    yield from _start_case(p, Case.MIGRANT_CHILDREN.value)
    yield p.screen("card")
    yield from _sign_in(p, None)  # the clerk leaves the candidate to it
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield from p.tap("confirm")
    yield from _photo_check_sign(p)
    yield from p.tap("confirm")
    yield p.screen("sign")
    yield from p.sign()
    yield from p.tap("confirm")
    yield p.screen("form", timeout_s=30)
    yield p.until(lambda: p.session.data is not None and not p.session.data.form_printing,
                  "the form printed or failed", timeout_s=60)
    if p.session.data is not None and p.session.data.form_failed:
        yield from p.shot("form-failed")
        yield from p.tap("skip")
    yield p.screen("done", timeout_s=30)
    yield p.remove_card()
    yield from p.tap("finish")
    yield p.screen("attract")


def disputes(p: Player) -> Iterator[Wait]:
    """"不是我" on the identity screen: staff called, the session ended by staff; then
    "信息有误" on the check screen: the fields picked, staff mark them for central correction
    and the candidate signs."""
    yield p.screen("attract")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield from p.tap("dispute")
    yield _dispute_shown(p)
    yield p.until(lambda: p.staff_alert == p.t("dispute_alert_not_me"), "staff alerted")
    yield from p.shot("dispute-not-me")
    yield from _sign_in(p, CLERK)  # called: the PIN pad opens at once, then the call again
    yield _dispute_shown(p)
    yield from p.tap("end")
    yield p.until(lambda: p.session.screen == "notice", "the session ended by staff")
    yield from _sign_in(p, None)
    yield p.remove_card()
    yield p.screen("attract", timeout_s=30)  # the notice goes by itself
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield from p.tap("confirm")
    yield from _photo_check_sign(p)
    yield from p.tap("dispute")
    yield p.until(lambda: p.current_screen.picking, "fields to pick")
    toggles = [w for w in p.widget("fields").children if getattr(w, "key", "") == "name"]
    yield from p.tap_on(toggles[0], "field name")
    yield from p.shot("dispute-pick")
    yield from p.tap("dispute")
    yield _dispute_shown(p)
    yield from p.shot("dispute-data")
    yield from _sign_in(p, CLERK)
    yield _dispute_shown(p)
    yield p.until(lambda: p.current_screen.staff_here, "staff's answers shown")
    yield from p.shot("dispute-staff")
    yield from p.tap("central")
    yield p.screen("sign")
    yield from _sign_in(p, None)
    yield from p.sign()
    yield from p.tap("confirm")
    yield p.screen("done", timeout_s=30)
    yield p.remove_card()
    yield from p.tap("finish")
    yield p.screen("attract")


def exceptions_tour(p: Player) -> Iterator[Wait]:
    """Every exception path in one kiosk run (the UI tests' screenshots at each panel size)."""
    yield from hand_entry(p)
    yield from other_document(p)
    yield from cannot_come(p)
    yield from migrant(p)
    yield from disputes(p)


SCRIPTS = {
    "hand-entry": hand_entry,
    "other-document": other_document,
    "cannot-come": cannot_come,
    "migrant": migrant,
    "disputes": disputes,
    "exceptions-tour": exceptions_tour,
}
