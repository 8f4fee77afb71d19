"""STAND-IN, to be replaced by the real PC/SC adapter behind pcscd + vpcd and the project's PIV
card emulator (tests/integration/pcsc_server.py) once that fixture is on main: a staff card
reader satisfying `hardware.staffcard.card.StaffCardReader`, so the panel can be driven in a
real Kivy window meanwhile. It answers as the Protocol's docstrings say a card answers (the
card's own retry counter, wrong_pin with tries left, pin_blocked at 0, card_removed once
pulled); the software lockout and the certificate checks are the adapter's and are not here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kiosk.core.staff import StaffCardError, StaffMember

PIN = "246810"
CARD_TRIES = 15
# Synthetic staff: obviously fictional names, staff numbers of no real office.
HOLDERS = {
    "staff": StaffMember(name="示例职员甲", staff_number="T0001", role="staff", county="430102",
                         point="", not_after=datetime(2099, 1, 1, tzinfo=UTC),
                         fingerprint="a1" * 32),
    "supervisor": StaffMember(name="示例主管乙", staff_number="T0002", role="supervisor",
                              county="430102", point="",
                              not_after=datetime(2099, 1, 1, tzinfo=UTC),
                              fingerprint="b2" * 32),
    "expired": StaffMember(name="示例职员丙", staff_number="T0003", role="staff",
                           county="430102", point="",
                           not_after=datetime(2020, 1, 1, tzinfo=UTC) - timedelta(days=1),
                           fingerprint="c3" * 32),
}


class StandInCard:
    def __init__(self, holder: str) -> None:
        self.member = HOLDERS[holder]
        self.tries = CARD_TRIES
        self.present = True

    def _here(self) -> None:
        if not self.present:
            raise StaffCardError("card_removed")

    def identify(self) -> StaffMember:
        self._here()
        if self.member.not_after < datetime.now(UTC):
            raise StaffCardError("expired_card")
        return self.member

    def tries_left(self) -> int:
        self._here()
        return self.tries

    def sign_in(self, pin: str) -> StaffMember:
        self._here()
        if self.tries == 0:
            raise StaffCardError("pin_blocked")
        if pin != PIN:
            self.tries -= 1
            if self.tries == 0:
                raise StaffCardError("pin_blocked")
            raise StaffCardError("wrong_pin", tries_left=self.tries)
        self.tries = CARD_TRIES
        return self.identify()


class StandInReader:
    """One slot: `insert(holder)` and `remove()` report from a thread of their own, as a PC/SC
    monitor does."""

    def __init__(self) -> None:
        self._card: StandInCard | None = None
        self._inserted: Callable[[StandInCard], None] | None = None
        self._removed: Callable[[], None] | None = None

    def watch(self, on_inserted: Callable[[StandInCard], None],
              on_removed: Callable[[], None]) -> None:
        self._inserted, self._removed = on_inserted, on_removed

    def current(self) -> StandInCard:
        if self._card is None:
            raise StaffCardError("no_card")
        return self._card

    def close(self) -> None:
        self._inserted = self._removed = None

    def insert(self, holder: str) -> None:
        card = self._card = StandInCard(holder)
        if self._inserted is not None:
            callback = self._inserted
            threading.Thread(target=lambda: callback(card), daemon=True).start()

    def remove(self) -> None:
        if self._card is not None:
            self._card.present = False
        self._card = None
        if self._removed is not None:
            threading.Thread(target=self._removed, daemon=True).start()
