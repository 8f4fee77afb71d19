"""The second visit's A4 form is printing: the login card's printing screen, with the form's
words (a failed printout may be asked for again in the same way)."""

from __future__ import annotations

from kiosk.ui.screens.base import load_kv
from kiosk.ui.screens.print import PrintScreen

load_kv(__file__)


class PrintFormScreen(PrintScreen):
    screen_name = "print_form"

    def failed_words(self, language: str) -> tuple[str, str]:
        return self.t("print_form_failed"), self.t("print_form_failed_message")
