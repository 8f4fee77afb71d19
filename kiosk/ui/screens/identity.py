"""Who the card says this is, for the candidate to confirm before anything is collected."""

from __future__ import annotations

import logging
from io import BytesIO

from kivy.core.image import Image as CoreImage

from central_api_client.logs import LogEvent, event
from kiosk.core import events as ev
from kiosk.core import forms
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import fields

load_kv(__file__)
log = logging.getLogger(__name__)


class IdentityScreen(KioskScreen):
    screen_name = "identity"

    def show(self, session: Session) -> None:
        doc = session.data.document if session.data else None
        if doc is None:
            return
        shown = forms.rows(forms.IDENTITY_SCREEN, forms.FormData(document=doc), self.shell.language)
        fields.fill(self.ids.fields, shown)
        photo = self.shell.chip_photo_png(doc)
        event(log, LogEvent.SESSION_IDENTITY_SHOWN, card_type=doc.card_type.value,
              chip_photo=photo is not None)
        if photo:
            self.ids.chip.texture = CoreImage(BytesIO(photo), ext="png").texture
            self.ids.chip.opacity, self.ids.no_chip.opacity = 1, 0
        else:
            self.ids.chip.texture = None
            self.ids.chip.opacity, self.ids.no_chip.opacity = 0, 1

    def on_leave(self, *args):
        self.ids.fields.clear_widgets()
        self.ids.chip.texture = None

    def confirm(self) -> None:
        self.send(ev.Confirm())

    def dispute(self) -> None:
        self.send(ev.Dispute())
