"""One running kiosk: the session, the worker that carries out its effects, the devices and
their health, and the helpers a screen needs (live photo analysis, the chip photo).

`kiosk.wiring.build(config)` makes it from the machine's config; the Kivy app receives it and
hands it to every screen. It imports no Kivy: the UI gives it `post`, the way to run a function
on the UI thread, so device callbacks and effect outcomes reach the session on one thread.
Devices come in behind the small Protocols below; which classes they are is wiring's business.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from io import BytesIO
from typing import TYPE_CHECKING, Protocol

from central_api_client.logs import LogEvent, event
from hardware.idcard.watcher import CardEvent, CardPlaced, CardReadFailed, ReaderBack, ReaderLost
from hardware.staffcard.card import StaffCardReader
from kiosk import exception_log
from kiosk.config import Config
from kiosk.core import events as ev
from kiosk.core.documents import IdentityDocument
from kiosk.core.exception_cases import Case
from kiosk.core.health import DeviceHealth
from kiosk.core.notices import Notice
from kiosk.core.schedule import Refusal
from kiosk.core.session import Session, SessionSettings
from kiosk.core.staff import StaffMember, StaffSessionLimits
from kiosk.core.voice import Announcer, Utterance
from kiosk.staff_shell import ReportPrinter, SignIn, StaffShell

if TYPE_CHECKING:
    from kiosk.store import KioskStore

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


class CameraLike(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def is_alive(self) -> bool: ...


class LightLike(Protocol):
    """A `GuardedLight`: never raises, says `fault` ("" while healthy)."""

    fault: str

    def set(self, on: bool) -> None: ...


class WatcherLike(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...


class EffectRunnerLike(Protocol):
    def run(self, effect: ev.Effect) -> ev.EffectOutcome: ...


class LiveAnalysisLike(Protocol):
    analysed: int

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def latest(self) -> tuple[object, object] | None: ...


class CardSlotLike(Protocol):
    """The simulated reader's slot (`--simulate` only): place a shipped card by name, or lift it."""

    def place(self, name: str) -> None: ...
    def lift(self) -> None: ...


class StaffSlotLike(Protocol):
    def insert(self, holder: str) -> None: ...
    def remove(self) -> None: ...


class SpeakerLike(Protocol):
    def say(self, text: str, language: str, interrupt: bool = False) -> None: ...


class ImageLike(Protocol):
    def save(self, fp: BytesIO, format: str) -> None: ...


class Shell:
    """Not thread-safe by design: everything but the effects runs on the UI thread."""

    def __init__(
        self,
        config: Config,
        settings: SessionSettings,
        runner: EffectRunnerLike,
        *,
        camera: CameraLike | None,
        light: LightLike | None,
        watch_cards: Callable[[Callable[[CardEvent], None]], WatcherLike] | None,
        live_analysis: Callable[[], LiveAnalysisLike],
        chip_photo_decoder: Callable[[bytes], ImageLike | None] | None = None,
        refuse_start: Callable[[], Notice | Refusal | None] = lambda: None,
        open_workflows: Callable[[], tuple[str, ...]] | None = None,
        settings_now: Callable[[], SessionSettings] | None = None,
        simulate: bool = False,
        sim_cards: CardSlotLike | None = None,
        sim_staff_cards: StaffSlotLike | None = None,
        staff_reader: StaffCardReader | None = None,
        store: KioskStore | None = None,
        print_report: ReportPrinter | None = None,
        staff_sign_in: SignIn | None = None,
        speaker: SpeakerLike | None = None,
    ) -> None:
        self.config = config
        self.simulate = simulate
        self.sim_cards = sim_cards  # the simulator's card slot, for its buttons on screen
        self.sim_staff_cards = sim_staff_cards  # and its staff card slot (development cards)
        self.camera = camera
        self.runner = runner
        self.health = DeviceHealth()
        # `settings_now`: the central bundle's workflows, taken as each candidate begins;
        # `open_workflows`: which of them the schedule opens now.
        self.session = Session(settings, run_effect=self.run_effect, refuse_start=refuse_start,
                               open_workflows=open_workflows, settings_now=settings_now)
        self._light = light
        self._watch_cards = watch_cards
        self._watcher: WatcherLike | None = None
        self._live_analysis = live_analysis
        self._decoder = chip_photo_decoder
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="effects")
        self._post: Post = lambda fn: fn()
        self._health_listeners: list[Callable[[], None]] = []
        # The staff side: the staff card reader, the PIN pad and the panel (kiosk.staff_shell).
        self.staff = StaffShell(
            self.session, store, reader=staff_reader, device_id=config.device.id,
            limits=StaffSessionLimits(idle_s=config.staff.idle_s,
                                      max_s=config.staff.max_session_s),
            health=self.health, print_report=print_report, sign_in=staff_sign_in)
        self._speaker = speaker
        self._announcer = Announcer()
        if speaker is not None:
            self.session.add_listener(self._announce_step)

    @property
    def language(self) -> str:
        """The screens' and the voice's language now: the candidate's, else the kiosk's."""
        return self.session.language

    # -- life ----------------------------------------------------------------------------

    def attach(self, post: Post) -> None:
        """How to run a function on the UI thread; given by the UI before `start`."""
        self._post = post
        self.staff.attach(post)

    def on_health(self, callback: Callable[[], None]) -> None:
        """`callback()` whenever the staff alert may have changed (on the UI thread)."""
        self._health_listeners.append(callback)

    def start(self) -> None:
        if self.camera is not None:
            try:
                self.camera.start()
            except Exception as exc:  # noqa: BLE001 - a missing camera is a staff alert
                event(log, LogEvent.CAMERA_START_FAILED, level=logging.ERROR,
                      error=type(exc).__name__)
                self._health_changed(self.health.camera_failed())
        if self._watch_cards is not None:
            self._watcher = self._watch_cards(lambda e: self._post(lambda: self._on_card(e)))
            self._watcher.start()
        self.staff.start()

    def stop(self) -> None:
        self.staff.stop()
        if self._watcher is not None:
            self._watcher.stop()
        if self.camera is not None:
            self.camera.stop()
        self._executor.shutdown(wait=True)

    def tick(self, now: float | None = None) -> None:
        """About twice a second, on the UI thread: the camera's health, the session's timers."""
        self._watch_camera(time.monotonic() if now is None else now)
        self.session.tick()
        self.staff.tick()

    # -- the session ---------------------------------------------------------------------

    def send(self, event_: ev.Event) -> None:
        """A touch or device event for the session."""
        before = exception_log.snapshot(self.session)
        self.session.handle(event_)
        exception_log.note(event_, before, self.session)

    def begin_exception(self, case: str) -> bool:
        """Staff picked a case of the exceptions list (`kiosk.core.exception_cases.Case`
        values): the candidate's session starts in that case's workflow, stamped with the
        signed-in staff member. False when nobody allowed is signed in, the code is no case,
        or a candidate is being served."""
        member = self.staff_member()
        try:
            which = Case(case)
        except ValueError:
            return False
        if member is None or not member.may("exception") or self.session.data is not None:
            return False
        self.send(ev.BeginException(which, member))
        return self.session.data is not None

    def staff_member(self) -> StaffMember | None:
        """Who is signed in with a staff card now (None: nobody). The exception screens send
        staff's touches in their name: entries, answers to disputes, approvals."""
        return self.staff.member

    def run_effect(self, effect: ev.Effect) -> None:
        """Given to the Session: effects run on the worker thread, outcomes come back on the
        UI thread."""
        future = self._executor.submit(self.runner.run, effect)

        def done(f: Future[ev.EffectOutcome]) -> None:
            self._post(lambda: self._outcome(effect, f.result()))

        future.add_done_callback(done)

    def _outcome(self, effect: ev.Effect, outcome: ev.EffectOutcome) -> None:
        """On the UI thread: a printout's result is also the printer's health (staff see
        paper out, cover open or offline in the footer until a printout works again, and a
        nearly used-up roll until one prints without)."""
        if isinstance(effect, ev.PrintLoginCard):
            code = outcome.code if isinstance(outcome, ev.EffectFailed) else None
            near_end = isinstance(outcome, ev.Printed) and outcome.paper_near_end
            if self.health.printer(code, paper_near_end=near_end):
                event(log, LogEvent.HEALTH_PRINTER, level=logging.INFO if code is None
                      else logging.ERROR, alert=self.health.printer_alert or "none")
                self._health_changed(True)
        elif isinstance(effect, ev.PrintForm) and self.health.a4_printer(
                isinstance(outcome, ev.EffectFailed)):  # the A4 printer's alert, from each form
            failed = isinstance(outcome, ev.EffectFailed)
            event(log, LogEvent.HEALTH_PRINTER, level=logging.ERROR if failed else logging.INFO,
                  alert=self.health.alert or "none")
            self._health_changed(True)
        self.session.handle(outcome)

    # -- devices -------------------------------------------------------------------------

    def _on_card(self, e: CardEvent) -> None:
        if isinstance(e, CardPlaced):
            # While staff hold the screen (the PIN pad, the panel), a card placed starts no
            # session behind it: the candidate places it again once the kiosk is theirs.
            ignored = self.staff.screen is not None
            event(log, LogEvent.SESSION_CARD_PRESENTED, card_type=e.document.card_type.value,
                  ignored=ignored)
            if not ignored:
                self.send(ev.CardPresented(e.document))
        elif isinstance(e, CardReadFailed):
            # A card lifted mid-read is ordinary (the card step ignores it); the rest is not.
            level = logging.INFO if e.code == "card_removed" else logging.WARNING
            event(log, LogEvent.SESSION_CARD_FAILED, level=level, code=e.code)
            self.send(ev.CardFailed(e.code))
        elif isinstance(e, ReaderLost):
            event(log, LogEvent.HEALTH_READER_LOST, level=logging.ERROR, code=e.code)
            self._health_changed(self.health.reader(connected=False))
        elif isinstance(e, ReaderBack):
            event(log, LogEvent.HEALTH_READER_BACK)
            self._health_changed(self.health.reader(connected=True))

    def _watch_camera(self, now: float) -> None:
        if self.camera is None:
            return
        alive = self.camera.is_alive
        if self.health.camera(alive, now):
            event(log, LogEvent.HEALTH_CAMERA_BACK if alive else LogEvent.HEALTH_CAMERA_LOST,
                  level=logging.INFO if alive else logging.ERROR)
            self._health_changed(True)

    def light(self, on: bool) -> None:
        """The fill light is on during the photo step only. A failing relay is a staff alert
        and a log line (the `GuardedLight` logs), and the candidate carries on without it."""
        if self._light is None:
            return
        self._light.set(on)
        self._health_changed(self.health.light(bool(self._light.fault)))

    def _health_changed(self, changed: bool) -> None:
        if changed:
            for callback in list(self._health_listeners):
                callback()

    # -- what screens need ---------------------------------------------------------------

    def live_analysis(self) -> LiveAnalysisLike:
        """A started live analysis of the camera against the configured photo standard."""
        live = self._live_analysis()
        live.start()
        return live

    # -- the voice -----------------------------------------------------------------------

    def _announce_step(self, session: Session) -> None:
        step = session.step
        self._speak(self._announcer.step(step.name if step is not None else None,
                                         self.language, time.monotonic()))

    def guidance_shown(self, reason: str | None) -> None:
        """The photo screen shows this guidance (a reason code; None: all good): say it when
        the candidate can follow."""
        if self._speaker is not None:
            self._speak(self._announcer.guidance(reason, self.language, time.monotonic()))

    @property
    def voice_available(self) -> bool:
        """A speaker is configured (`devices.speaker`, `[voice] enabled`)."""
        return self._speaker is not None

    def _speak(self, utterance: Utterance | None) -> None:
        if utterance is not None and self._speaker is not None \
                and not self.staff.voice_off:  # staff may turn it off on the panel
            self._speaker.say(utterance.text, utterance.language, utterance.interrupt)

    def chip_photo_png(self, document: IdentityDocument) -> bytes | None:
        """The chip photo as PNG, when the vendor's decoder is installed; else None."""
        if self._decoder is None or not document.chip_photo:
            return None
        try:
            image = self._decoder(document.chip_photo)
        except Exception:  # noqa: BLE001 - a vendor library fault must not stop the session
            event(log, LogEvent.IDCARD_CHIP_PHOTO_DECODE_FAILED, level=logging.WARNING)
            return None
        if image is None:
            return None
        out = BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
