"""Every field of the registration, the new sequence number first, for the candidate to confirm."""

from __future__ import annotations

from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty

from kiosk.core import events as ev
from kiosk.core import forms
from kiosk.core.session import Session
from kiosk.core.texts import text
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import fields

load_kv(__file__)


class CheckScreen(KioskScreen):
    screen_name = "check"
    ready = BooleanProperty(False)

    def show(self, session: Session) -> None:
        data = session.data
        if data is None or data.document is None:
            return
        language = self.shell.language
        if data.shown_rows:  # a second visit: the rows the session fixed, which it hashes
            fields.fill(self.ids.fields, list(data.shown_rows))
        else:
            number = data.sequence_number or text("check_assigning", language)
            # The proof table's fields: what the candidate checks here is what the paper prints.
            shown = forms.FormData(document=data.document, sequence_number=number)
            fields.fill(self.ids.fields, forms.rows(forms.PROOF_TABLE, shown, language))
        self.ids.fields.children[-2].bold = True  # the sequence number's value
        self.ids.fields.children[-2].color = (0.07, 0.33, 0.64, 1)
        self.ready = data.sequence_number is not None
        if data.photo_jpeg and self.ids.photo.texture is None:
            self.ids.photo.texture = CoreImage(BytesIO(data.photo_jpeg), ext="jpg").texture

    def on_leave(self, *args):
        self.ids.fields.clear_widgets()
        self.ids.photo.texture = None
        self.ready = False

    def confirm(self) -> None:
        self.send(ev.Confirm())

    def dispute(self) -> None:
        self.send(ev.Dispute())
