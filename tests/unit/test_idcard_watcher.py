"""CardWatcher over the simulated reader.

Most tests drive `poll_once()` directly (deterministic, no sleeps); a few run the real thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.idcard.reader import ReaderError
from hardware.idcard.sim import SimulatedReader, card_file, place_card, remove_card
from hardware.idcard.watcher import (
    CardEvent,
    CardPlaced,
    CardReadFailed,
    CardRemoved,
    CardWatcher,
    ReaderBack,
    ReaderLost,
)
from kiosk.core.documents import IdentityDocument

POLL = 0.01


class Events:
    """Collects events from any thread; `wait_for` blocks until a predicate holds."""

    def __init__(self) -> None:
        self.items: list[CardEvent] = []
        self._cond = threading.Condition()

    def __call__(self, ev: CardEvent) -> None:
        with self._cond:
            self.items.append(ev)
            self._cond.notify_all()

    def types(self) -> list[str]:
        with self._cond:
            return [type(e).__name__ for e in self.items]

    def wait_for(self, pred: Callable[[list[CardEvent]], bool], timeout: float = 3.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: pred(self.items), timeout)
        assert ok, f"timed out; events so far: {self.types()}"


class CountingReader(SimulatedReader):
    def __init__(self, sim_dir: Path, **kw: object) -> None:
        super().__init__(sim_dir, **kw)  # type: ignore[arg-type]
        self.reads = 0

    def read(self) -> IdentityDocument:
        self.reads += 1
        return super().read()


@pytest.fixture
def reader(tmp_path: Path) -> CountingReader:
    return CountingReader(tmp_path)


def make(reader: SimulatedReader, events: Events, retries: int = 2, **kw: bool) -> CardWatcher:
    return CardWatcher(reader, poll_s=POLL, retries=retries, on_event=events, **kw)


def test_placement_is_read_once_then_removal(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events)
    w.poll_once()
    assert events.items == []  # no card, reader fine: nothing to say
    place_card(tmp_path, card_file("resident-valid"))
    for _ in range(5):
        w.poll_once()
    assert events.types() == ["CardPlaced"] and reader.reads == 1
    placed = events.items[0]
    assert isinstance(placed, CardPlaced) and placed.document.name == "测试甲"
    remove_card(tmp_path)
    w.poll_once()
    w.poll_once()
    assert events.types() == ["CardPlaced", "CardRemoved"]
    place_card(tmp_path, card_file("permit-hmt"))
    w.poll_once()
    assert events.types() == ["CardPlaced", "CardRemoved", "CardPlaced"] and reader.reads == 2


def test_read_failed_is_retried_then_reported_once(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events, retries=3)
    place_card(tmp_path, card_file("resident-valid"), fault="read_failed")
    w.poll_once()
    assert reader.reads == 4  # one read and three retries
    assert events.items == [CardReadFailed("card_read_failed")]
    for _ in range(3):
        w.poll_once()  # the failed card stays: no more reads, no more events
    assert reader.reads == 4 and len(events.items) == 1
    remove_card(tmp_path)
    w.poll_once()
    assert events.items[-1] == CardRemoved()
    place_card(tmp_path, card_file("resident-valid"))  # lifted and placed again: read afresh
    w.poll_once()
    assert isinstance(events.items[-1], CardPlaced)


def test_a_retry_can_succeed(tmp_path: Path) -> None:
    class FlakyOnce(CountingReader):
        def read(self) -> IdentityDocument:
            try:
                return super().read()
            finally:
                if self.reads == 1:  # the candidate presses the card flat: next read works
                    place_card(tmp_path, card_file("resident-valid"))

    reader = FlakyOnce(tmp_path)
    events = Events()
    w = make(reader, events, retries=1)
    place_card(tmp_path, card_file("resident-valid"), fault="read_failed")
    w.poll_once()
    assert reader.reads == 2 and events.types() == ["CardPlaced"]


def test_zero_retries_reports_first_failure(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events, retries=0)
    place_card(tmp_path, card_file("resident-valid"), fault="read_failed")
    w.poll_once()
    assert reader.reads == 1 and events.items == [CardReadFailed("card_read_failed")]


def test_reader_lost_and_back(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events)
    w.poll_once()
    place_card(tmp_path, card_file("resident-valid"), fault="unplugged")
    w.poll_once()
    w.poll_once()  # still gone: reported once
    assert events.items == [ReaderLost("reader_unavailable")]
    remove_card(tmp_path)
    w.poll_once()
    assert events.items[-1] == ReaderBack()
    place_card(tmp_path, card_file("resident-valid"))
    w.poll_once()
    assert events.types() == ["ReaderLost", "ReaderBack", "CardPlaced"]


def test_reader_missing_at_start_is_reported(reader: CountingReader, tmp_path: Path) -> None:
    place_card(tmp_path, card_file("resident-valid"), fault="unplugged")
    events = Events()
    make(reader, events).poll_once()
    assert events.items == [ReaderLost("reader_unavailable")]


def test_reader_back_with_card_on_it_reads_it(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events)
    place_card(tmp_path, card_file("resident-valid"))
    w.poll_once()
    place_card(tmp_path, card_file("resident-valid"), fault="unplugged")
    w.poll_once()
    place_card(tmp_path, card_file("resident-valid"))
    w.poll_once()
    assert events.types() == ["CardPlaced", "ReaderLost", "ReaderBack", "CardPlaced"]


def test_card_placed_while_paused_is_read_on_resume(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events, paused=True)
    place_card(tmp_path, card_file("resident-valid"))
    for _ in range(3):
        w.poll_once()
    assert events.items == [] and reader.reads == 0
    w.resume()
    w.poll_once()
    assert events.types() == ["CardPlaced"]


def test_card_left_on_reader_is_read_again_after_resume(
    reader: CountingReader, tmp_path: Path
) -> None:
    events = Events()
    w = make(reader, events)
    place_card(tmp_path, card_file("resident-valid"))
    w.poll_once()
    w.pause()
    w.poll_once()
    remove_card(tmp_path)
    w.poll_once()  # removal while paused is not a card event
    assert events.types() == ["CardPlaced"]
    place_card(tmp_path, card_file("permit-hmt"))
    w.resume()
    w.poll_once()
    assert events.types() == ["CardPlaced", "CardPlaced"]


def test_reader_events_still_arrive_while_paused(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events, paused=True)
    place_card(tmp_path, card_file("resident-valid"), fault="unplugged")
    w.poll_once()
    remove_card(tmp_path)
    w.poll_once()
    assert events.types() == ["ReaderLost", "ReaderBack"]


def test_card_lifted_during_read(tmp_path: Path) -> None:
    class Lifting(SimulatedReader):
        def read(self) -> IdentityDocument:
            remove_card(self.sim_dir)
            raise ReaderError("card_removed")

    events = Events()
    w = make(Lifting(tmp_path), events)
    place_card(tmp_path, card_file("resident-valid"))
    w.poll_once()
    w.poll_once()
    assert events.items == [CardReadFailed("card_removed"), CardRemoved()]


def test_no_card_event_after_pause_returns(tmp_path: Path) -> None:
    """A read under way when the session moves on must not surface afterwards."""
    started, release = threading.Event(), threading.Event()

    class Slow(SimulatedReader):
        def read(self) -> IdentityDocument:
            started.set()
            release.wait(2)
            return super().read()

    events = Events()
    w = make(Slow(tmp_path), events)
    place_card(tmp_path, card_file("resident-valid"))
    w.start()
    try:
        assert started.wait(2)
        w.pause()
        release.set()
        time.sleep(10 * POLL)
        assert events.items == []
    finally:
        w.stop()


def test_thread_end_to_end(reader: CountingReader, tmp_path: Path) -> None:
    events = Events()
    w = make(reader, events)
    w.start()
    try:
        assert w.running
        place_card(tmp_path, card_file("resident-long-term"))
        events.wait_for(lambda evs: len(evs) >= 1)
        time.sleep(10 * POLL)  # many polls while the card stays
        assert events.types() == ["CardPlaced"] and reader.reads == 1
        remove_card(tmp_path)
        events.wait_for(lambda evs: len(evs) >= 2)
        assert events.types() == ["CardPlaced", "CardRemoved"]
    finally:
        w.stop()
    assert not w.running


def test_callback_exception_does_not_kill_the_thread(
    reader: CountingReader, tmp_path: Path
) -> None:
    events = Events()

    def grumpy(ev: CardEvent) -> None:
        events(ev)
        if isinstance(ev, CardPlaced):
            raise RuntimeError("UI bug")

    w = CardWatcher(reader, poll_s=POLL, retries=0, on_event=grumpy)
    w.start()
    try:
        place_card(tmp_path, card_file("resident-valid"))
        events.wait_for(lambda evs: len(evs) >= 1)
        remove_card(tmp_path)
        events.wait_for(lambda evs: len(evs) >= 2)
        assert w.running
    finally:
        w.stop()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        CardWatcher(SimulatedReader.__new__(SimulatedReader), 0, 1, lambda e: None)
    with pytest.raises(ValueError):
        CardWatcher(SimulatedReader.__new__(SimulatedReader), 0.1, -1, lambda e: None)
