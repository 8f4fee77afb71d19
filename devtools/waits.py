"""What a script yields: conditions to wait for. Kivy-free, so the command line can name and
check a script before Kivy is configured (it reads its settings at import time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devtools.player import Player


@dataclass
class Wait:
    done: Callable[[], bool]
    what: str
    timeout_s: float = 15.0
    # The kiosk's doing (a screen, a device, an effect), not the candidate's own action or the
    # script's: the speed bench adds these up as the time a candidate is made to wait.
    kiosk: bool = False


class ScriptFailed(Exception):
    pass


Script = Callable[["Player"], Iterator[Wait]]  # a scripted candidate
