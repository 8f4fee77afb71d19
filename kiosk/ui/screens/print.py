"""The record is saved; the login card is printing. Nothing to touch, just progress.

If the printer fails (paper out, cover open, offline) the screen stays: it says the record is
safe, why the card did not print, to ask staff, and that once this page is left a reprint is
the central system's job (the kiosk cannot read a sealed record back). "Print again" tries
once more after staff have fixed the printer; "Finish without it" ends the session.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.core import events as ev
from kiosk.core.notices import Notice
from kiosk.core.session import Session
from kiosk.core.texts import SCREENS, notice_text
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class PrintScreen(KioskScreen):
    screen_name = "print"
    dots = NumericProperty(0)
    failed = BooleanProperty(False)
    code = StringProperty("")  # the printer's code while failed, "" otherwise
    title = StringProperty("")
    cause = StringProperty("")
    message = StringProperty("")
    title_key = StringProperty("print_title")  # the A4 form's screen says its own words
    hint_key = StringProperty("print_hint")

    _event = None

    def show(self, session: Session) -> None:
        data = session.data
        code = data.print_failed if data is not None and not data.printing else None
        self.failed = code is not None
        self.code = code or ""
        if code is None:
            return
        language = self.shell.language
        self.title, self.message = self.failed_words(language)
        cause_key = f"print_cause_{code}"
        self.cause = self.t(cause_key if cause_key in SCREENS else "print_cause_offline")

    def failed_words(self, language: str) -> tuple[str, str]:
        """Title and message when the printout failed (the login card's here)."""
        return notice_text(Notice.PRINT_FAILED, language)

    def on_pre_enter(self, *args):
        if self._event is None:
            self._event = Clock.schedule_interval(self._spin, 0.4)

    def on_leave(self, *args):
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self.failed, self.code = False, ""

    def print_again(self) -> None:
        self.send(ev.Retake())

    def leave(self) -> None:
        self.send(ev.Dismiss())

    def _spin(self, _dt):
        self.dots = (self.dots + 1) % 4
