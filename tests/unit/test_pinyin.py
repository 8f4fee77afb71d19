"""The pinyin keyboard's characters: the usual ones for a syllable first, ü typed as v,
a beginning offering the characters of the syllables it starts, and nothing odd for odd input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.pinyin import index, plain


def test_readings_are_typed_without_tones_and_u_umlaut_as_v():
    assert (plain("zhāng"), plain("lǚ"), plain("nüè"), plain("Lǐ")) == ("zhang", "lv", "nve", "li")


def test_common_surnames_are_among_the_first_offered():
    ix = index()
    for typed, char in (("li", "李"), ("wang", "王"), ("zhang", "张"), ("liu", "刘"),
                        ("chen", "陈"), ("lv", "吕"), ("zhou", "周"), ("huang", "黄")):
        assert char in ix.candidates(typed)[:20], (typed, ix.candidates(typed)[:20])


def test_common_characters_come_before_rare_ones():
    offered = index().candidates("ming")
    assert offered.index("明") < 5 and offered.index("明") < offered.index("暝")
    assert all(len(ch) == 1 for ch in offered)


def test_a_beginning_offers_the_syllables_it_starts():
    assert "张" in index().candidates("zh", limit=200)
    assert "庄" in index().candidates("zhu", limit=200)
    assert index().candidates("ZHANG") == index().candidates("zhang")


@given(st.text(max_size=12))
def test_any_typing_offers_characters_or_nothing(typed):
    offered = index().candidates(typed)
    assert isinstance(offered, tuple) and len(offered) <= 40
    if not typed.strip().isascii() or not typed.strip().isalpha():
        assert offered == ()
