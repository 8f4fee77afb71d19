"""The Kivy application: builds the screens, wires devices and the session, runs effects.

Imported only after `kiosk.app` has configured Kivy (window size, logging, no argv parsing).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from io import BytesIO
from pathlib import Path

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, ScreenManager

from central_api_client.logs import LogEvent, event
from hardware.idcard import watcher as card_events
from kiosk import imaging
from kiosk.config import Config
from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.core.steps import CHINA_TZ
from kiosk.ui import theme
from kiosk.ui.strings import text

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).parent


class KioskScreens(ScreenManager):
    """The screen manager, without Kivy's stencil clipping (see root.kv)."""


class KioskRoot(BoxLayout):
    pass


class StepChip(Label):
    state_name = StringProperty("todo")  # todo | current | done


class StepBar(BoxLayout):
    def set_steps(self, labels: list[str]) -> None:
        self.clear_widgets()
        for label in labels:
            self.add_widget(StepChip(text=label))

    def highlight(self, index: int) -> None:
        for i, chip in enumerate(reversed(self.children)):
            chip.state_name = "current" if i == index else ("done" if i < index else "todo")


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim).

    On software GL every texture lives in this process's heap; a candidate's screens allocate
    and free tens of MB of them, and glibc keeps the freed pages. Measured over 5 sessions:
    317 MB resident before, 284 MB after, in 2 ms. Elsewhere than glibc it does nothing.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def register_fonts(regular: Path, bold: Path) -> None:
    LabelBase.register(name=theme.FONT_NAME, fn_regular=str(regular), fn_bold=str(bold))


class _KeepRunning(ExceptionHandler):
    """An unexpected error in a screen must not take the kiosk down in front of a candidate:
    log where it happened (never the message, which could hold data), start over, carry on.
    A scripted run fails fast instead, so tests see the bug."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app

    def handle_exception(self, exc):
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        event(log, LogEvent.UI_ERROR, level=logging.ERROR, error_type=type(exc).__name__,
              where=f"{frame.filename}:{frame.lineno}" if frame else "")
        if self.app.autoplay is not None:
            return ExceptionManager.RAISE
        self.app.session.handle(ev.Cancel())
        return ExceptionManager.PASS


class KioskApp(App):
    """Renders `session` and forwards touches to it; devices reach it through their Protocols."""

    u = NumericProperty(10.0)  # 1 % of the window's short side: every size derives from it
    touch_min = NumericProperty(57.0)  # 15 mm in pixels at the panel's dpi
    # Five text sizes only: every (font, size) pair the text renderer opens costs memory
    # (a few MB each for the CJK faces), so sizes are levels, not free numbers.
    fs_small = NumericProperty(26.0)
    fs_body = NumericProperty(34.0)
    fs_button = NumericProperty(41.0)
    fs_title = NumericProperty(56.0)
    fs_countdown = NumericProperty(230.0)
    portrait = BooleanProperty(False)
    language = StringProperty("zh")
    staff_alert = StringProperty("")
    clock_text = StringProperty("")
    footer_text = StringProperty("")
    step_index = NumericProperty(-1)
    can_cancel = BooleanProperty(False)
    seconds_left = NumericProperty(0)
    sim_controls = BooleanProperty(False)  # the simulator's buttons, for a person at a desk

    def __init__(self, config: Config, session: Session, runner, camera, reader, light=None,
                 autoplay=None, simulate=False, chip_photo_decoder=None, **kwargs):
        super().__init__(**kwargs)
        self.title = "Kiosk"
        self.machine_config = config  # Kivy's App.config is its own ini
        self.session = session
        self.runner = runner
        self.camera = camera
        self.reader = reader
        self.light_device = light
        self.autoplay = autoplay
        self.language = config.display.language
        self.exit_code = 0
        self.sim_controls = simulate and autoplay is None
        self.chip_photo_decoder = chip_photo_decoder  # bytes -> PIL image, when licensed
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="effects")
        self._watcher = None
        self._analyser = None
        self._camera_was_alive = True
        self._camera_dead_ticks = 0
        session.add_listener(lambda _s: self.refresh())

    def t(self, key: str, **values) -> str:
        return text(key, self.language, **values)

    # -- building ----------------------------------------------------------------------------

    def build(self):
        from kiosk.ui.widgets import buttons  # noqa: F401  (registers KioskButton for kv)

        Builder.load_file(str(KV_DIR / "root.kv"))
        from kiosk.ui.screens import SCREENS

        self._update_metrics()
        Window.clearcolor = theme.BACKGROUND  # a clear is nearly free; a drawn rectangle is not
        Window.bind(size=lambda *_: self._update_metrics())
        Window.bind(on_touch_down=self._on_any_touch)
        root = KioskRoot()
        manager: ScreenManager = root.ids.screens
        # Instant: a fade renders both screens off-screen, which costs memory and frames on
        # the software GL of panels without a GPU.
        manager.transition = NoTransition()
        for name, cls in SCREENS.items():
            manager.add_widget(cls(name=name))
        steps = [s for s in self.session.settings.workflow.steps if s != "print"]
        self._bar_steps = steps
        root.ids.stepbar.set_steps([self.t(f"step_{s}") for s in steps])
        self.footer_text = f"{self.machine_config.device.id}"
        if not self.sim_controls:
            # Out of the tree, not just hidden: a disabled widget still swallows touches.
            root.ids.footer.remove_widget(root.ids.simcontrols)
        return root

    def on_start(self):
        ExceptionManager.add_handler(_KeepRunning(self))
        self.refresh()
        self._tick(0)
        Clock.schedule_interval(self._tick, 0.5)
        self._start_devices()
        event(log, LogEvent.KIOSK_READY, screen=self.session.screen,
              window=f"{Window.width}x{Window.height}")
        if self.autoplay is not None:
            self.autoplay.start(self)

    def on_stop(self):
        if self._watcher is not None:
            self._watcher.stop()
        if self.camera is not None:
            self.camera.stop()
        self._executor.shutdown(wait=True)

    def _update_metrics(self) -> None:
        w, h = Window.size
        self.u = u = round(min(w, h) / 100.0, 1)
        self.fs_small, self.fs_body, self.fs_button = round(u * 2.6), round(u * 3.2), round(u * 3.9)
        self.fs_title, self.fs_countdown = round(u * 5.4), round(u * 22)
        self.portrait = h > w
        self.touch_min = theme.TOUCH_TARGET_MM * Metrics.dpi / 25.4

    def _start_devices(self) -> None:
        if self.camera is not None:
            try:
                self.camera.start()
            except Exception as exc:  # noqa: BLE001 - a missing camera is a staff alert
                event(log, LogEvent.CAMERA_START_FAILED, level=logging.ERROR,
                      error=type(exc).__name__)
                self.staff_alert = self.t("staff_camera_lost")
        if self.reader is not None:
            self._watcher = card_events.CardWatcher(
                self.reader, self.machine_config.session.card_poll_s,
                self.machine_config.session.card_read_retries,
                lambda e: Clock.schedule_once(lambda _dt: self.on_card_event(e)),
            )
            self._watcher.start()

    # -- session -----------------------------------------------------------------------------

    def send(self, event_: object) -> None:
        """A touch or device event for the session."""
        self.session.handle(event_)

    def cancel(self) -> None:
        self.send(ev.Cancel())

    def run_effect(self, effect: ev.Effect) -> None:
        """Given to the Session: effects run on the worker thread, outcomes come back here."""
        future = self._executor.submit(self.runner.run, effect)
        future.add_done_callback(
            lambda f: Clock.schedule_once(lambda _dt: self.session.handle(f.result()))
        )

    def on_card_event(self, e) -> None:
        if isinstance(e, card_events.CardPlaced):
            event(log, LogEvent.SESSION_CARD_PRESENTED, card_type=e.document.card_type.value)
            self.send(ev.CardPresented(e.document))
        elif isinstance(e, card_events.CardReadFailed):
            event(log, LogEvent.SESSION_CARD_FAILED, level=logging.WARNING, code=e.code)
            if e.code != "card_removed":
                self.send(ev.CardFailed(e.code))
        elif isinstance(e, card_events.ReaderLost):
            event(log, LogEvent.HEALTH_READER_LOST, level=logging.ERROR, code=e.code)
            self.staff_alert = self.t("staff_reader_lost")
        elif isinstance(e, card_events.ReaderBack):
            event(log, LogEvent.HEALTH_READER_BACK)
            self.staff_alert = ""

    def refresh(self) -> None:
        if self.root is None:
            return
        s = self.session
        manager = self.root.ids.screens
        if manager.current != s.screen:
            event(log, LogEvent.SESSION_SCREEN, screen=s.screen, reason=s.last_end_reason)
            manager.current = s.screen
            if s.screen == "attract":
                # Between candidates, once the last screen's textures have been let go.
                Clock.schedule_once(lambda _dt: release_freed_memory(), 1.0)
        manager.get_screen(s.screen).show(s)
        self.can_cancel = s.can_cancel
        index = self._bar_steps.index(s.screen) if s.screen in self._bar_steps else (
            self._bar_steps.index("done") if s.screen == "print" else -1)
        self.step_index = index
        self.root.ids.stepbar.highlight(index)

    def _tick(self, _dt: float) -> None:
        self._watch_camera()
        self.session.tick()
        s = self.session
        dwell = {"done": s.settings.done_dwell_s, "notice": s.settings.notice_dwell_s}.get(s.screen)
        if dwell is not None:
            self.seconds_left = max(0, int(dwell - s.seconds_on_screen() + 0.999))
        self.clock_text = datetime.now(CHINA_TZ).strftime("%Y-%m-%d  %H:%M")

    def _watch_camera(self) -> None:
        """A camera that drops out is a staff alert, cleared when its thread has it back."""
        if self.camera is None:
            return
        alive, lost = self.camera.is_alive, self.t("staff_camera_lost")
        # Two ticks (a second) of grace: a camera still opening at boot is not "lost".
        self._camera_dead_ticks = 0 if alive else self._camera_dead_ticks + 1
        if alive == self._camera_was_alive or (not alive and self._camera_dead_ticks < 3):
            return
        self._camera_was_alive = alive
        event(log, LogEvent.HEALTH_CAMERA_BACK if alive else LogEvent.HEALTH_CAMERA_LOST,
              level=logging.INFO if alive else logging.ERROR)
        if not alive and not self.staff_alert:
            self.staff_alert = lost
        elif alive and self.staff_alert == lost:
            self.staff_alert = ""

    def _on_any_touch(self, *_args) -> None:
        self.session.touch()

    # -- helpers screens call ------------------------------------------------------------------

    def live_analysis(self):
        """A started `LiveAnalysis` of the camera against the configured photo standard."""
        from hardware.camera.analysis import FaceAnalyser
        from hardware.camera.live import LiveAnalysis

        if self._analyser is None:  # loading the cascades takes a moment: once per kiosk
            photo = self.machine_config.photo
            self._analyser = FaceAnalyser(photo.standard(), photo.detector_model)
        live = LiveAnalysis(self.camera, self._analyser)
        live.start()
        return live

    def standard_photo(self, image, analysis) -> bytes:
        """The standard photo from a frame and its analysis, or `imaging.PhotoRefused`."""
        return imaging.standard_photo(image, analysis=analysis)

    def signature_png(self, strokes) -> bytes:
        return imaging.signature_png(strokes)

    def chip_photo_png(self, document) -> bytes | None:
        """The chip photo as PNG, when the vendor's decoder is installed; else None."""
        if self.chip_photo_decoder is None or not document.chip_photo:
            return None
        try:
            image = self.chip_photo_decoder(document.chip_photo)
        except Exception:  # noqa: BLE001 - a vendor library fault must not stop the session
            event(log, LogEvent.IDCARD_CHIP_PHOTO_DECODE_FAILED, level=logging.WARNING)
            return None
        if image is None:
            return None
        out = BytesIO()
        image.save(out, "PNG")
        return out.getvalue()

    def sim_place_card(self, name: str) -> None:
        """Simulator only: lift whatever card is there, then place `name` as a new placement."""
        from hardware.idcard.sim import card_file, place_card, remove_card

        sim_dir = self.machine_config.sim_dir
        remove_card(sim_dir)
        wait = self.machine_config.session.card_poll_s * 2.5
        Clock.schedule_once(lambda _dt: place_card(sim_dir, card_file(name)), wait)

    def sim_remove_card(self) -> None:
        from hardware.idcard.sim import remove_card

        remove_card(self.machine_config.sim_dir)

    def light(self, on: bool) -> None:
        """The fill light is on during the photo step only. It is a `GuardedLight`: a failing
        relay is a staff alert and a log line, and the candidate carries on without it."""
        if self.light_device is None:
            return
        self.light_device.set(on)
        fault = self.t("staff_light_fault")
        if self.light_device.fault and not self.staff_alert:
            self.staff_alert = fault
        elif not self.light_device.fault and self.staff_alert == fault:
            self.staff_alert = ""
