"""The proof table (校对表): every field of the online registration, a page at a time. The rows
are the session's own (`SessionData.shown_rows`), so what is drawn is exactly what the record's
hash covers. "信息无误" once every page was seen; "信息有误" asks staff for a correction."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty

from kiosk.core import events as ev
from kiosk.core.confirmation import pages
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import fields

load_kv(__file__)


class ProofScreen(KioskScreen):
    screen_name = "proof"
    page = NumericProperty(0)
    pages = NumericProperty(1)
    all_seen = BooleanProperty(False)

    def show(self, session: Session) -> None:
        data = session.data
        if data is None or not data.shown_rows:
            return
        per_page = session.settings.step.proof_rows_per_page
        self.page, self.pages = data.page, pages(len(data.shown_rows), per_page)
        self.all_seen = data.pages_seen >= self.pages - 1
        start = data.page * per_page
        fields.fill(self.ids.fields, list(data.shown_rows[start:start + per_page]))

    def on_leave(self, *args):
        self.ids.fields.clear_widgets()
        self.page, self.pages, self.all_seen = 0, 1, False

    def turn(self, forward: bool) -> None:
        self.send(ev.Turn(forward))

    def confirm(self) -> None:
        self.send(ev.Confirm())

    def dispute(self) -> None:
        self.send(ev.Dispute())
