"""Watch the ID card reader and turn polling into a few events the session understands.

A GA 467 reader has no "card arrived" interrupt: it is polled. The watcher polls in a daemon
thread and reports each placement once (`CardPlaced`, or `CardReadFailed` after the retries),
the card's removal (`CardRemoved`), and the reader vanishing and coming back (`ReaderLost`,
`ReaderBack`). The session only wants cards on its "place your card" step, so the watcher can be
paused; resuming forgets any earlier placement, so a card that was put down early (or stayed
down) is read at once and the candidate never has to lift and replace it.

Events are delivered on the watcher's thread: a Kivy caller hands them to the UI thread
(`Clock.schedule_once`) and returns quickly. Once `pause()` has returned no card event is
delivered until `resume()`; reader events still are, so a status display stays truthful.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from central_api_client.logs import LogEvent
from central_api_client.logs import event as log_event
from hardware.idcard.reader import IdCardReader, ReaderError, ReaderHealth
from kiosk.core.documents import IdentityDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardPlaced:
    """A card was put down and read. The document is unvalidated (core validates)."""

    document: IdentityDocument


@dataclass(frozen=True)
class CardReadFailed:
    """A card is there but could not be read (`card_read_failed`, after the retries), or it was
    lifted during the read (`card_removed`)."""

    code: str


@dataclass(frozen=True)
class CardRemoved:
    """The card reported by the last CardPlaced or CardReadFailed has gone."""


@dataclass(frozen=True)
class ReaderLost:
    """The reader stopped answering (unplugged, powered off, SAM failure).

    It also ends the current placement without a CardRemoved: after ReaderBack, a card still on
    the reader is read and reported afresh (the watcher cannot know it is the same card).
    """

    code: str


@dataclass(frozen=True)
class ReaderBack:
    """The reader answers again after a ReaderLost."""


CardEvent = CardPlaced | CardReadFailed | CardRemoved | ReaderLost | ReaderBack


class _Slot(Enum):
    ABSENT = "absent"  # no card, or a card not yet read in the current (resumed) period
    PLACED = "placed"  # read and reported; nothing more until it is lifted
    FAILED = "failed"  # reported unreadable; lift and replace to try again


class CardWatcher:
    """Polls `reader` every `poll_s` seconds; retries a failed read `retries` times.

    The watcher does not own the reader: `stop()` leaves it open for kioskctl or a later
    watcher. `poll_once()` is one step of the loop, for tests that want no thread at all.
    """

    def __init__(
        self,
        reader: IdCardReader,
        poll_s: float,
        retries: int,
        on_event: Callable[[CardEvent], None],
        *,
        paused: bool = False,
    ) -> None:
        if poll_s <= 0:
            raise ValueError("poll_s must be positive")
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self.reader = reader
        self.poll_s = poll_s
        self.retries = retries
        self._on_event = on_event
        # Re-entrant: events are delivered under the lock (so none slips out after pause()
        # returns), and a callback may call pause() from the watcher's own thread.
        self._lock = threading.RLock()
        self._paused = paused
        self._period = 0  # bumped by pause/resume; a read begun in an older period is dropped
        self._slot = _Slot.ABSENT
        self._reader_ok: bool | None = None  # None until the first poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("card watcher already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="card-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and wait (up to `timeout`) for a read in progress to finish."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def pause(self) -> None:
        """Stop reporting cards (the session is past its card step)."""
        with self._lock:
            self._paused = True
            self._period += 1

    def resume(self) -> None:
        """Report cards again; a card already on the reader is read at the next poll."""
        with self._lock:
            self._paused = False
            self._period += 1
            self._slot = _Slot.ABSENT

    @property
    def paused(self) -> bool:
        return self._paused

    def health(self) -> ReaderHealth:
        """The reader's health (SAM status and ID) for the self-test and the staff panel.

        Safe beside the polling thread: readers serialise their own wire traffic.
        """
        return self.reader.health()

    # -- the loop ------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # never let one bad poll end card reading for the day
                log_event(log, LogEvent.IDCARD_POLL_CRASHED, level=logging.ERROR,
                          error_type=type(exc).__name__)
            self._stop.wait(self.poll_s)

    def poll_once(self) -> None:
        """Look at the reader once and deliver whatever events that implies."""
        with self._lock:
            period = self._period
            paused = self._paused
        try:
            present = self.reader.card_present()
        except ReaderError:
            # Whatever code a presence check raises, the reader is not answering properly.
            self._lost("reader_unavailable")
            return
        except Exception as exc:  # an adapter bug looks, to the candidate, like a dead reader
            log_event(log, LogEvent.IDCARD_ADAPTER_ERROR, level=logging.ERROR,
                      error_type=type(exc).__name__)
            self._lost("reader_unavailable")
            return
        self._answered()
        if paused:
            return
        if not present:
            with self._lock:
                if self._period == period and self._slot is not _Slot.ABSENT:
                    self._slot = _Slot.ABSENT
                    self._emit(CardRemoved())
            return
        with self._lock:
            if self._slot is not _Slot.ABSENT:
                return  # this placement has been reported already
        self._read(period)

    def _read(self, period: int) -> None:
        failures = 0
        while True:
            try:
                document = self.reader.read()
            except ReaderError as exc:
                code = exc.code
            except Exception as exc:
                log_event(log, LogEvent.IDCARD_ADAPTER_ERROR, level=logging.ERROR,
                          error_type=type(exc).__name__)
                code = "card_read_failed"
            else:
                with self._lock:
                    if self._current(period):
                        self._slot = _Slot.PLACED
                        log_event(log, LogEvent.IDCARD_CARD_READ,
                                  card_type=document.card_type.value, attempts=failures + 1)
                        self._emit(CardPlaced(document))
                return
            if code == "reader_unavailable":
                self._lost(code)
                return
            if code in ("no_card", "card_removed"):
                with self._lock:
                    if self._current(period):
                        log_event(log, LogEvent.IDCARD_CARD_LIFTED_DURING_READ)
                        self._emit(CardReadFailed("card_removed"))
                        self._emit(CardRemoved())
                return
            failures += 1
            if failures <= self.retries:
                if self._stop.wait(self.poll_s) or not self._current(period):
                    return
                continue
            with self._lock:
                if self._current(period):
                    self._slot = _Slot.FAILED
                    log_event(log, LogEvent.IDCARD_CARD_READ_FAILED, level=logging.WARNING,
                              code=code, attempts=failures)
                    self._emit(CardReadFailed(code))
            return

    def _current(self, period: int) -> bool:
        """Whether a read begun in `period` may still be reported."""
        with self._lock:
            return self._period == period and not self._paused and not self._stop.is_set()

    def _lost(self, code: str) -> None:
        with self._lock:
            self._slot = _Slot.ABSENT  # when the reader is back, a card on it is read afresh
            if self._reader_ok is not False:
                self._reader_ok = False
                log_event(log, LogEvent.IDCARD_READER_LOST, level=logging.WARNING, code=code)
                self._emit(ReaderLost(code))

    def _answered(self) -> None:
        with self._lock:
            if self._reader_ok is False:
                log_event(log, LogEvent.IDCARD_READER_BACK)
                self._emit(ReaderBack())
            self._reader_ok = True

    def _emit(self, ev: CardEvent) -> None:
        try:
            self._on_event(ev)
        except Exception as exc:
            log_event(log, LogEvent.IDCARD_CALLBACK_FAILED, level=logging.ERROR,
                      event_type=type(ev).__name__, error_type=type(exc).__name__)
