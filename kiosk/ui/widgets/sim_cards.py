"""The simulator's card buttons in the footer: place a valid, expired or misnumbered card on
the simulated reader, or lift it; put the development clerk's or supervisor's staff card into
the simulated staff card reader (PIN 24681357), or pull it out. Loaded only under
`kiosk --simulate`, for a person at a desk."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.texts import text

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class SimCardStrip(BoxLayout):
    shell = ObjectProperty(None, rebind=False)

    def t(self, key: str, language: str | None = None) -> str:
        return text(key, language or self.shell.language)

    def place(self, name: str) -> None:
        """Lift whatever card is there, then place `name` as a new placement (the watcher
        must see the slot empty first, as when a person swaps cards)."""
        slot = self.shell.sim_cards
        slot.lift()
        wait = self.shell.config.session.card_poll_s * 2.5
        Clock.schedule_once(lambda _dt: slot.place(name), wait)

    def lift(self) -> None:
        self.shell.sim_cards.lift()

    def staff_card(self, holder: str | None) -> None:
        """`holder`'s development staff card in (None: out). Without the simulated staff
        reader (pcscd or vpcd not installed) the button does nothing."""
        slot = self.shell.sim_staff_cards
        if slot is None:
            return
        try:
            if holder is None:
                slot.remove()
            else:
                slot.insert(holder)
        except OSError:  # the simulated reader went away: a desk demo, nothing to save
            return
