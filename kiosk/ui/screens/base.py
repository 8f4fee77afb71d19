"""What every screen shares: a name matching its step, the shell it draws, `show(session)`."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.screenmanager import Screen

from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.core.texts import text
from kiosk.ui.widgets import picture  # noqa: F401  (kv class for every screen)


class KioskScreen(Screen):
    """Constructed with `shell=`: the running kiosk whose session this screen draws and to
    which it forwards touches. Screens never look the app up."""

    screen_name = ""
    shell = ObjectProperty(None, rebind=False)
    seconds_left = NumericProperty(0)  # on self-dismissing screens: until home

    def show(self, session: Session) -> None:
        """Render the session's state; called on every change while this screen is current."""

    def t(self, key: str, language: str | None = None, **values: object) -> str:
        """A sentence in the screens' language now. kv: `root.t('photo_title', app.lang)`:
        naming `app.lang` makes Kivy redraw the text when the candidate switches language."""
        return text(key, language or self.shell.language, **values)

    def send(self, event: ev.Event) -> None:
        self.shell.send(event)


def load_kv(py_file: str) -> None:
    """Load the .kv that sits beside a screen's .py, once."""
    path = str(Path(py_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)
