"""What the kiosk needs from a voice, whatever engine speaks.

`say` never blocks the UI: speech runs on the engine's own thread or process. A voice that fails
is a staff alert at most, never a reason to stop serving candidates, so `say` does not raise.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Speaker(Protocol):
    def say(self, text: str, language: str, interrupt: bool = False) -> None:
        """Speak `text` (language "zh" or "en"); `interrupt` cuts short and drops anything
        still queued. Never raises."""
        ...

    @property
    def fault(self) -> str:
        """"" while healthy, else a short code for the staff panel."""
        ...

    def close(self) -> None:
        ...


class SilentSpeaker:
    """`none://`, or no speaker configured: the kiosk works without a voice."""

    fault = ""

    def say(self, text: str, language: str, interrupt: bool = False) -> None:
        return None

    def close(self) -> None:
        return None
