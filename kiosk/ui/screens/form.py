"""The case's A4 form (the migrant children's qualification form, 资格审核表) is printing;
if it does not print, the record is already sealed: staff print it again, or later."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class FormScreen(KioskScreen):
    screen_name = "form"
    failed = BooleanProperty(False)

    def show(self, session: Session) -> None:
        data = session.data
        self.failed = data is not None and data.form_failed is not None \
            and not data.form_printing

    def print_again(self) -> None:
        self.send(ev.Retake())

    def skip(self) -> None:
        self.send(ev.Dismiss())
