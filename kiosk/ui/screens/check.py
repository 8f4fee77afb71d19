"""Every field of the registration, the new sequence number first, for the candidate to confirm."""

from __future__ import annotations

from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, StringProperty

from kiosk.core import events as ev
from kiosk.core import forms
from kiosk.core.session import Session
from kiosk.core.texts import text
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import fields
from kiosk.ui.widgets.buttons import KioskButton

load_kv(__file__)


class FieldToggle(KioskButton):
    """A field the candidate taps to say it is wrong ("信息有误"): by name, never value."""

    key = StringProperty("")
    chosen = BooleanProperty(False)


class CheckScreen(KioskScreen):
    screen_name = "check"
    ready = BooleanProperty(False)
    picking = BooleanProperty(False)  # the candidate is choosing which fields are wrong

    def show(self, session: Session) -> None:
        data = session.data
        if data is None or data.document is None or self.picking:
            return
        language = self.shell.language
        if data.shown_rows:  # a second visit: the rows the session fixed, which it hashes
            fields.fill(self.ids.fields, list(data.shown_rows))
        else:
            number = data.sequence_number or text("check_assigning", language)
            # The proof table's fields: what the candidate checks here is what the paper prints.
            shown = forms.FormData(document=data.document, sequence_number=number)
            fields.fill(self.ids.fields, forms.rows(forms.PROOF_TABLE, shown, language))
        self.ids.fields.children[-2].emphasis = True  # the sequence number's value
        self.ready = data.sequence_number is not None
        if data.photo_jpeg and self.ids.photo.texture is None:
            self.ids.photo.texture = CoreImage(BytesIO(data.photo_jpeg), ext="jpg").texture

    def on_leave(self, *args):
        self.ids.fields.clear_widgets()
        self.ids.photo.texture = None
        self.ready = False
        self.picking = False

    def confirm(self) -> None:
        self.send(ev.Confirm())

    def dispute(self) -> None:
        """First tap: the fields become toggles to mark the wrong ones; second: call staff."""
        data = self.shell.session.data
        if not self.picking:
            if data is None or data.document is None:
                return
            self.picking = True
            shown = forms.FormData(document=data.document, sequence_number=data.sequence_number)
            grid = self.ids.fields
            grid.clear_widgets()
            for row in forms.rows(forms.PROOF_TABLE, shown, self.shell.language):
                if row.key == "sequence_number":
                    continue
                toggle = FieldToggle(text=row.label, key=row.key)
                toggle.bind(on_release=lambda b: setattr(b, "chosen", not b.chosen))
                grid.add_widget(toggle)
            return
        chosen = tuple(w.key for w in reversed(self.ids.fields.children)
                       if isinstance(w, FieldToggle) and w.chosen)
        self.picking = False
        self.send(ev.Dispute(chosen))
