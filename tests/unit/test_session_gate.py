"""The start gate as the session applies it (kiosk/core/session.py, steps.py): the attract
screen follows the central configuration within `gate_refresh_s`, a card on a closed kiosk
collects nothing, and a candidate outside the window's audience is told so once the card is
read, before a number is reserved or a photo taken."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kiosk.core import events as ev
from kiosk.core.idnumber import make_number
from kiosk.core.notices import Notice
from kiosk.core.schedule import Closed, Message, Refusal
from kiosk.core.session import ATTRACT, NOTICE, Session, SessionSettings
from kiosk.core.steps import StepSettings
from kiosk.core.workflows import get_workflow
from tests.synthetic import resident

PAUSED = Refusal(Closed.PAUSED, message=Message("暂停", "Paused"))


class World:
    """A gate the test sets, a clock it moves, the effects the session asked for."""

    def __init__(self, admits=lambda workflow, code, now: True) -> None:
        self.gate: Notice | Refusal | None = None
        self.asked = 0
        self.clock = 0.0
        self.effects: list[ev.Effect] = []
        self.changes = 0
        self.session = Session(
            SessionSettings(get_workflow("collect"), StepSettings("T-1", admits=admits),
                            gate_refresh_s=30.0),
            run_effect=self.effects.append,
            now=lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
            monotonic=lambda: self.clock,
            refuse_start=self._ask,
        )
        self.session.add_listener(lambda _s: self._changed())

    def _ask(self) -> Notice | Refusal | None:
        self.asked += 1
        return self.gate

    def _changed(self) -> None:
        self.changes += 1

    def after(self, seconds: float) -> None:
        self.clock += seconds
        self.session.tick()


def test_the_attract_screen_follows_the_gate_within_one_refresh() -> None:
    w = World()
    w.after(0)  # the first tick asks at once
    assert w.asked == 1 and w.session.closed is None
    w.gate = PAUSED
    w.after(29.5)
    assert w.session.closed is None and w.asked == 1  # not yet: within the refresh
    w.after(0.5)
    assert w.session.closed == PAUSED and w.session.screen == ATTRACT and w.changes == 1
    w.after(30)
    assert w.changes == 1  # the same state again redraws nothing
    w.gate = None
    w.after(30)
    assert w.session.closed is None and w.changes == 2


def test_a_card_on_a_paused_kiosk_gets_the_pause_and_collects_nothing() -> None:
    w = World()
    w.gate = PAUSED
    w.session.handle(ev.CardPresented(resident()))
    assert (w.session.screen, w.session.notice_code) == (NOTICE, Notice.SERVICE_PAUSED)
    assert w.session.closed == PAUSED and w.session.data is None and not w.effects
    w.gate = None  # lifted meanwhile: home shows it at once, without waiting for a refresh
    w.session.handle(ev.Dismiss())
    assert w.session.screen == ATTRACT and w.session.closed is None


def test_a_machine_reason_is_a_notice_and_leaves_the_attract_screen_inviting() -> None:
    w = World()
    w.gate = Notice.DISK_FULL
    w.after(0)
    assert w.session.closed is None
    w.session.handle(ev.Start())
    assert (w.session.screen, w.session.notice_code) == (NOTICE, Notice.DISK_FULL)


def test_the_gate_is_not_asked_during_a_session() -> None:
    w = World()
    w.session.handle(ev.Start())
    asked = w.asked
    w.gate = PAUSED
    w.after(40)
    w.after(40)  # (under the idle timeout)
    assert w.asked == asked and w.session.screen == "card"  # the candidate carries on


def test_outside_the_audience_the_card_is_read_then_nothing_is_collected() -> None:
    seen: list[str] = []

    def city_only(workflow: str, code: str, now: datetime) -> bool:
        seen.append(code)
        return code.startswith("4301")

    w = World(admits=city_only)
    shaoyang = make_number("430521", date(2008, 5, 17), 37, male=False)
    w.session.handle(ev.CardPresented(resident(id_number=shaoyang)))
    assert (w.session.screen, w.session.notice_code) == (NOTICE, Notice.NOT_IN_AUDIENCE)
    assert seen == ["430521"] and w.session.data is None and not w.effects
    w.session.handle(ev.Dismiss())
    w.session.handle(ev.CardPresented(resident()))  # 430102...: the city's own
    assert w.session.screen == "identity"
