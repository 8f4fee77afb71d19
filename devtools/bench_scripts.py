"""Scripted candidates for the benchmarks: a candidate who acts the moment the kiosk lets them,
with no screenshots, so that every second between their actions is the kiosk's own.

`brisk` is the first visit of `scripts.journey` (card, identity, photo, check, sign, print,
done), each touch made as soon as its button is there: the speed bench reads the kiosk's
events of one such session, and the memory bench repeats it (the cheapest script that still
walks every step, saves a record and prints a card)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from devtools.waits import Script, Wait

if TYPE_CHECKING:
    from devtools.player import Player


def brisk(p: Player) -> Iterator[Wait]:
    yield p.screen("attract")
    yield from p.card_to_check()
    yield p.until(lambda: p.session.data is not None
                  and p.session.data.sequence_number is not None, "sequence number")
    yield from p.tap("confirm")
    yield p.screen("sign")
    yield from p.sign(points_per_stroke=8)  # a quick scrawl: the candidate's own time
    yield from p.tap("confirm")
    yield p.screen("done", timeout_s=30)
    yield p.remove_card()
    yield from p.tap("finish")
    yield p.screen("attract")


SCRIPTS: dict[str, Script] = {"brisk": brisk}
