"""What every screen shares: a name matching its step, and `show(session)` to render it."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

from kiosk.core.session import Session
from kiosk.ui.widgets import picture  # noqa: F401  (kv class for every screen)


class KioskScreen(Screen):
    screen_name = ""

    def show(self, session: Session) -> None:
        """Render the session's state; called on every change while this screen is current."""

    def on_leave_session(self) -> None:
        """The screen is no longer shown: drop anything personal it was displaying."""

    @property
    def kiosk(self):  # the running KioskApp; typed loosely to keep screens free of app imports
        return App.get_running_app()


def load_kv(py_file: str) -> None:
    """Load the .kv that sits beside a screen's .py, once."""
    path = str(Path(py_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)
