"""Characters for typed pinyin, most common first: what the staff entry screen's pinyin keyboard
offers while staff type a candidate's Chinese name.

The readings come from pypinyin's dictionary (`pinyin_dict`: every code point's readings, the
usual one first). How common a character is comes from two sources of the same package and
one standard: GB 2312's first level (the 3,755 characters in everyday use) before everything
else, a character's usual reading before its rare ones (长 is first "chang", then "zhang"), and
then how many of pypinyin's phrases (`phrases_dict`, ~47,000 words) use the character. A name
character outside GB 2312 (a rare one in a surname) is still offered, after the common ones.

Typing is plain ASCII: tones are ignored and "v" stands for "ü" (lv → 吕). Built once, on first
use (about a second), then each lookup is a dictionary read.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

MAX_TYPED = 6  # the longest syllable is 6 letters (zhuang, chuang, shuang)


def plain(reading: str) -> str:
    """A tone-marked reading as typed: 'lǚ' → 'lv', 'zhāng' → 'zhang'."""
    # ǚ, ǘ ... decompose to u, the diaeresis and the tone: the diaeresis makes it a v.
    decomposed = unicodedata.normalize("NFD", reading.lower()).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _gb2312_level1(ch: str) -> bool:
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


class PinyinIndex:
    """Syllable → characters, in the order the keyboard offers them."""

    def __init__(self, readings: Mapping[int, str], phrases: Iterable[str]) -> None:
        uses: Counter[str] = Counter()
        for phrase in phrases:
            uses.update(phrase)
        ranked: dict[str, list[tuple[tuple[bool, bool, int, str], str]]] = {}
        for code_point, joined in readings.items():
            ch = chr(code_point)
            if not ch.isprintable() or unicodedata.category(ch) != "Lo":
                continue
            common = _gb2312_level1(ch)
            for rank, reading in enumerate(joined.split(",")):
                syllable = plain(reading)
                if syllable.isascii() and syllable.isalpha():
                    key = (not common, rank > 0, -uses[ch], ch)
                    ranked.setdefault(syllable, []).append((key, ch))
        # Per syllable: (is rare, is a rare reading) and the character, in offering order.
        self._by_syllable: dict[str, tuple[tuple[bool, bool, str], ...]] = {}
        for syllable, items in ranked.items():
            seen: dict[str, tuple[bool, bool, str]] = {}
            for key, ch in sorted(items):
                seen.setdefault(ch, (key[0], key[1], ch))
            self._by_syllable[syllable] = tuple(seen.values())
        self._syllables = sorted(self._by_syllable)

    def syllables(self) -> list[str]:
        return list(self._syllables)

    def candidates(self, typed: str, limit: int = 40) -> tuple[str, ...]:
        """Characters for what was typed, common before rare: the exact syllable's first, then
        those of the longer syllables it begins ("zh" offers 张 of zhang). Anything not a-z
        offers nothing."""
        typed = typed.strip().lower()[:MAX_TYPED]
        if not typed or not typed.isascii() or not typed.isalpha():
            return ()
        pool: list[tuple[bool, bool, bool, int, str]] = []
        for syllable in self._syllables:
            if syllable.startswith(typed):
                for i, (rare, rare_reading, ch) in enumerate(self._by_syllable[syllable]):
                    pool.append((rare, syllable != typed, rare_reading, i, ch))
        pool.sort()
        return tuple(dict.fromkeys(item[-1] for item in pool))[:limit]


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _built() -> PinyinIndex:
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    return PinyinIndex(pinyin_dict, phrases_dict)


def index() -> PinyinIndex:
    """The index from pypinyin's data, built once (thread-safe: the entry screen may warm it up
    on a worker thread while staff sign in)."""
    with _lock:
        return _built()
