"""The language a candidate is served in: the button, a foreigner's card, and the next
candidate starting in the kiosk's own again (kiosk.core.session)."""

from __future__ import annotations

import dataclasses

from kiosk.core import events as ev
from kiosk.core.documents import CardType
from kiosk.core.session import ATTRACT
from kiosk.core.texts import text
from kiosk.core.voice import Announcer
from tests.synthetic import resident
from tests.unit.test_confirm_steps import make as make_confirm
from tests.unit.test_confirm_steps import page_through, registration
from tests.unit.test_confirm_steps import send as send_confirm
from tests.unit.test_session import make, send, walk_to


def foreigner():
    return dataclasses.replace(resident(), card_type=CardType.FOREIGN_2023)


def test_the_kiosk_speaks_its_own_language_until_a_candidate_chooses():
    shell, session = make()
    assert session.language == "zh"
    send(shell, session, ev.ChooseLanguage("en"))
    assert session.language == "en", "chosen on the attract screen"
    send(shell, session, ev.Start())
    assert session.data.language == "en", "the choice carries into the session"
    send(shell, session, ev.ChooseLanguage("zh"))
    assert session.language == "zh"


def test_the_next_candidate_starts_in_the_kiosks_language():
    shell, session = make()
    send(shell, session, ev.Start())
    send(shell, session, ev.ChooseLanguage("en"))
    send(shell, session, ev.Cancel())
    assert session.screen == ATTRACT and session.language == "zh"


def test_a_foreigners_card_turns_the_kiosk_to_english_a_residents_does_not():
    shell, session = make()
    send(shell, session, ev.Start())
    send(shell, session, ev.CardPresented(foreigner()))
    assert session.screen == "identity" and session.language == "en"
    shell2, session2 = make()
    send(shell2, session2, ev.Start())
    send(shell2, session2, ev.CardPresented(resident()))
    assert session2.language == "zh"


def test_a_foreigners_card_placed_on_the_attract_screen_starts_in_english():
    shell, session = make()
    send(shell, session, ev.CardPresented(foreigner()))
    assert session.screen == "identity" and session.data.language == "en"


def test_a_candidate_who_chose_chinese_keeps_it_after_the_card():
    shell, session = make()
    walk_to(shell, session, "identity")
    send(shell, session, ev.ChooseLanguage("zh"))
    assert session.language == "zh"


def test_an_unknown_language_changes_nothing():
    shell, session = make()
    send(shell, session, ev.ChooseLanguage("fr"))
    assert session.language == "zh"


def test_the_proof_table_confirmed_is_the_one_shown_in_the_language_switched_to():
    doc = resident()
    shell, session = make_confirm({doc.id_number: registration(doc)})
    send_confirm(shell, session, ev.CardPresented(doc), ev.Confirm())
    assert session.screen == "proof"
    zh_labels = {r.key: r.label for r in session.data.shown_rows}
    assert zh_labels["name"] == text("field_name", "zh")
    send_confirm(shell, session, ev.ChooseLanguage("en"))
    en_rows = session.data.shown_rows
    assert {r.key: r.label for r in en_rows}["name"] == text("field_name", "en")
    page_through(shell, session)
    send_confirm(shell, session, ev.Confirm(), ev.Signed((((0.1, 0.1, 0.0), (0.2, 0.2, 0.1)),)))
    (record,) = shell.saved
    assert record.confirmation.shown_rows == tuple((r.key, r.label, r.value) for r in en_rows)


def test_switching_language_says_the_step_again_in_the_new_one():
    a = Announcer()
    assert a.step("card", "zh", now=0.0) is not None
    assert a.step("card", "zh", now=1.0) is None
    again = a.step("card", "en", now=2.0)
    assert again is not None and again.language == "en"
    assert text("card_title", "en") in again.text


def test_every_nation_has_its_romanised_name_for_the_english_screens():
    from kiosk.core.nations import NATIONS, NATIONS_EN, nation_name

    assert set(NATIONS) == set(NATIONS_EN)
    assert nation_name("01", "en") == "Han" and nation_name("1", "zh") == "汉"
    assert nation_name("98", "en") == "Foreign-born Chinese citizen"


def test_every_text_in_a_kv_file_follows_the_language_button():
    """A kv text that does not name app.lang is drawn once and stays in the first language."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
    call = re.compile(r"\b(?:root|self|app)\.t\(([^()]*)\)")
    stuck = [f"{p.name}: {m.group(0)}" for p in root.rglob("*.kv")
             for m in call.finditer(p.read_text(encoding="utf-8"))
             if "app.lang" not in m.group(1)]
    assert not stuck, stuck
