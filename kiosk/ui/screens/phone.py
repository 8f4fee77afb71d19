"""A candidate who cannot come: the fields staff read back to them by phone, and the button
staff press, in their own name, once the candidate has confirmed each one. No photo: it is
taken when the candidate comes to verify the card."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.core import events as ev
from kiosk.core import forms
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import fields

load_kv(__file__)


class PhoneScreen(KioskScreen):
    screen_name = "phone"
    signed_in = BooleanProperty(False)  # only a signed-in staff card may confirm
    saving = BooleanProperty(False)

    def show(self, session: Session) -> None:
        data = session.data
        if data is None or data.document is None:
            return
        shown = forms.FormData(document=data.document, sequence_number=data.sequence_number)
        fields.fill(self.ids.fields, forms.rows(forms.PROOF_TABLE, shown, self.shell.language))
        self.signed_in = self.shell.staff_member() is not None
        self.saving = data.saving

    def on_leave(self, *args):
        self.ids.fields.clear_widgets()

    def confirmed(self) -> None:
        member = self.shell.staff_member()
        if member is not None:
            self.send(ev.PhoneConfirmed(member))
