"""Every sentence exists in every language the kiosk offers; no key a screen uses is missing."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.core import photo_standard as ps
from kiosk.core.documents import CardType, Sex
from kiosk.core.health import Alert
from kiosk.core.notices import Notice
from kiosk.core.steps import STEPS
from kiosk.core.texts import (
    ALERTS,
    GUIDANCE,
    LANGUAGES,
    NOTICES,
    SCREENS,
    SYNC,
    Words,
    alert_text,
    notice_text,
    text,
)

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"screens": SCREENS, "alerts": ALERTS, "guidance": GUIDANCE, "sync": SYNC}


def _all_words() -> list[Words]:
    words = [w for table in TABLES.values() for w in table.values()]
    return words + [w for pair in NOTICES.values() for w in pair]


def test_the_kiosk_offers_chinese_and_english():
    assert set(LANGUAGES) == {"zh", "en"}


def test_every_text_is_written_in_every_language():
    for words in _all_words():
        assert all(getattr(words, lang).strip() for lang in LANGUAGES), words
        assert any("\u4e00" <= ch <= "\u9fff" for ch in words.zh), words
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in words.en), words


def test_every_notice_has_a_title_and_a_message_in_every_language():
    assert set(NOTICES) == set(Notice)
    for notice in Notice:
        for lang in LANGUAGES:
            title, message = notice_text(notice, lang)
            assert title and message


def test_every_alert_and_every_reason_has_words():
    assert {alert_text(a, "en") for a in Alert}
    assert set(GUIDANCE) == set(ps.REASON_ORDER)


def test_every_key_the_screens_use_exists():
    pattern = re.compile(r"""\bt(?:ext)?\(\s*['"]([a-z_]+)['"]""")
    used = {
        key
        for path in [*ROOT.joinpath("kiosk", "ui").rglob("*.py"),
                     *ROOT.joinpath("kiosk", "ui").rglob("*.kv")]
        for key in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert used and not used - set(SCREENS), used - set(SCREENS)


def test_keys_made_from_values_exist():
    keys = [f"step_{s}" for s in STEPS] + [f"sex_{s.value}" for s in Sex]
    keys += [f"card_type_{c.value}" for c in CardType]
    for key in keys:
        for lang in LANGUAGES:
            assert text(key, lang)


def test_values_are_filled_in_in_every_language():
    assert "7" in text("returning", "zh", seconds=7) and "7" in text("returning", "en", seconds=7)
