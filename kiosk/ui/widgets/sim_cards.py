"""The simulator's card buttons in the footer: place a valid, expired or misnumbered card on
the simulated reader, or lift it. Loaded only under `kiosk --simulate`, for a person at a desk."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from hardware.idcard.sim import card_file, place_card, remove_card
from kiosk.core.texts import text

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class SimCardStrip(BoxLayout):
    shell = ObjectProperty(None, rebind=False)

    def t(self, key: str) -> str:
        return text(key, self.shell.language)

    def place(self, name: str) -> None:
        """Lift whatever card is there, then place `name` as a new placement."""
        sim_dir = self.shell.config.sim_dir
        remove_card(sim_dir)
        wait = self.shell.config.session.card_poll_s * 2.5
        Clock.schedule_once(lambda _dt: place_card(sim_dir, card_file(name)), wait)

    def lift(self) -> None:
        remove_card(self.shell.config.sim_dir)
