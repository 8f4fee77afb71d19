"""Where a scripted run's staff cards go in and come out: set by whoever starts the kiosk with a
staff card reader it controls (a test's card emulator), read by the staff scripts as
`p.staff_slot`. Kivy-free, so it can be set before Kivy is configured."""

from __future__ import annotations

from typing import Protocol


class StaffSlot(Protocol):
    def insert(self, holder: str) -> None:
        """Insert the card of `holder` (a name the slot knows: "staff", "supervisor" ...)."""

    def remove(self) -> None: ...


SLOT: StaffSlot | None = None
