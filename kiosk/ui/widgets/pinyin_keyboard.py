"""An on-screen pinyin keyboard for staff typing a Chinese name: letters build a syllable, the
characters it offers (most common first, `kiosk.pinyin`) are tapped into the name.

Candidates never type (they only touch); staff do, on this keyboard or a USB keyboard: typed
letters land in the same pinyin box, Enter or space takes the first character offered, a digit
1-9 the one with that number. The widget only edits text: the entry screen reads `target`'s
text when staff submit, and the rules in `kiosk.core.exception_cases` judge it.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.pinyin import MAX_TYPED, index
from kiosk.ui.widgets.buttons import KioskButton

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


class CandidateButton(KioskButton):
    pass


class LetterKey(KioskButton):
    pass


class PinyinKeyboard(BoxLayout):
    """`target`: the TextInput the chosen characters go into (the name field)."""

    target = ObjectProperty(None, allownone=True)
    typed = StringProperty("")  # the pinyin typed so far
    offered = ListProperty([])  # the characters shown now (one page)
    per_page = NumericProperty(8)
    page = NumericProperty(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._all: tuple[str, ...] = ()

    def on_kv_post(self, base_widget) -> None:
        from kivy.app import App

        from kiosk.core.texts import text

        language = App.get_running_app().shell.language
        self.ids.more.text = text("key_more", language)
        self.ids.backspace.text = text("key_backspace", language)
        self.ids.pinyin.hint_text = text("entry_pinyin_hint", language)
        rows = self.ids.rows
        for letters in ROWS:
            row = BoxLayout(spacing=self.ids.rows.spacing)
            for letter in letters:
                row.add_widget(LetterKey(text=letter, on_release=self._letter))
            rows.add_widget(row)

    # -- typing --------------------------------------------------------------------------

    def _letter(self, key: KioskButton) -> None:
        self.type_letters(key.text)

    def type_letters(self, letters: str) -> None:
        self.set_typed((self.typed + letters)[:MAX_TYPED])

    def backspace(self) -> None:
        if self.typed:
            self.set_typed(self.typed[:-1])
        elif self.target is not None and self.target.text:
            self.target.text = self.target.text[:-1]

    def set_typed(self, typed: str) -> None:
        """The pinyin box's text (typed on screen or on a USB keyboard)."""
        clean = "".join(c for c in typed.lower() if "a" <= c <= "z")[:MAX_TYPED]
        self.typed = clean
        self._all = index().candidates(clean, limit=64) if clean else ()
        self.page = 0
        self._show()

    def more(self) -> None:
        pages = max(1, -(-len(self._all) // self.per_page))
        self.page = (self.page + 1) % pages
        self._show()

    def pick(self, n: int) -> None:
        """The n-th character shown (0-based) goes into the name; the syllable starts over."""
        if 0 <= n < len(self.offered) and self.target is not None:
            self.target.text += self.offered[n]
            self.set_typed("")

    def _show(self) -> None:
        start = self.page * self.per_page
        self.offered = list(self._all[start:start + self.per_page])
        box = self.ids.candidates
        box.clear_widgets()
        for i in range(self.per_page):
            char = self.offered[i] if i < len(self.offered) else ""
            button = CandidateButton(text=char, disabled=not char,
                                     on_release=lambda _b, i=i: self.pick(i))
            button.opacity = 1 if char else 0
            box.add_widget(button)

    # -- a USB keyboard --------------------------------------------------------------------

    def typed_on_keyboard(self, text: str) -> None:
        """The pinyin box changed by a physical keyboard: space or a digit picks."""
        if text and text[-1] == " ":
            self.set_typed(text.strip())
            self.pick(0)
        elif text and text[-1].isdigit():
            self.pick(int(text[-1]) - 1)
        else:
            self.set_typed(text)
