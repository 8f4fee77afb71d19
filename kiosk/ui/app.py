"""The Kivy application: builds the screens around one running kiosk (the `Shell`) and draws it.

Imported only after `kiosk.app` has configured Kivy (window size, logging, no argv parsing).
The app owns the theme metrics (kv reads them as `app.u`, `app.fs_body`, ...) and the chrome
(header, step bar, footer); everything else it hands to the shell, which each screen receives.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import Metrics
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, ScreenManager

from central_api_client.logs import LogEvent, event
from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.core.step_base import CHINA_TZ
from kiosk.core.texts import LANGUAGE_NAMES, alert_text, other_language, text
from kiosk.fonts import cjk_font_path
from kiosk.shell import Shell
from kiosk.ui import theme

if TYPE_CHECKING:
    from kiosk.sd_notify import ServiceNotifier

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).parent
PRINTING = ("print", "print_form")  # shown on the step bar as its last step, done


class KioskScreens(ScreenManager):
    """The screen manager, without Kivy's stencil clipping (see root.kv)."""


class KioskRoot(BoxLayout):
    """The window's chrome around the screens: header, step bar, footer (staff alert, cancel)."""

    shell = ObjectProperty(None, rebind=False)
    staff_alert = StringProperty("")
    clock_text = StringProperty("")
    footer_text = StringProperty("")
    step_index = NumericProperty(-1)
    can_cancel = BooleanProperty(False)
    staff_banner = BooleanProperty(False)  # a staff card waits for the candidate's session
    large_text_chosen = BooleanProperty(False)  # the session's choice (lights its button)

    def take_over(self) -> None:
        self.shell.staff.take_over()

    def t(self, key: str, language: str | None = None, **values: object) -> str:
        """kv: `root.t(KEY, app.lang)`, so the text follows the language button."""
        return text(key, language or self.shell.language, **values)

    def language_button(self, language: str) -> str:
        """The language button's words while the screens are in `language`."""
        return LANGUAGE_NAMES[other_language(language)]

    def switch_language(self) -> None:
        self.shell.send(ev.ChooseLanguage(other_language(self.shell.language)))

    def switch_large_text(self) -> None:
        """The large-text button: large text in high contrast, or back, for this candidate."""
        self.shell.send(ev.ChooseLargeText(not self.shell.session.large_text))

    def cancel(self) -> None:
        self.shell.send(ev.Cancel())


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


def register_fonts() -> None:
    regular, bold = cjk_font_path(), cjk_font_path(bold=True)
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
        if self.app.fail_fast:
            return ExceptionManager.RAISE
        self.app.shell.send(ev.Cancel())
        return ExceptionManager.PASS


class KioskApp(App):
    """Draws the shell's session and forwards touches to it. `driver(app)`, when given, is
    called once the kiosk is ready (a test or demo player); errors then fail the run."""

    u = NumericProperty(10.0)  # 1 % of the window's short side: every size derives from it
    lang = StringProperty("zh")  # the screens' language now; kv texts name it to follow it
    # Large text in high contrast now (the session's choice): every size below grows by
    # theme.LARGE_TEXT_SCALE and `colors` is the high-contrast palette. kv reads every colour
    # as `app.colors.NAME`, so a switch redraws each screen at once.
    large_text = BooleanProperty(False)
    colors = ObjectProperty(theme.NORMAL, rebind=True)  # kv binds through it (app.colors.x)
    touch_min = NumericProperty(57.0)  # 15 mm in pixels at the panel's dpi
    # Five text sizes only (four more while large text is on): every (font, size) pair the
    # text renderer opens costs memory (a few MB each for the CJK faces), so sizes are levels,
    # not free numbers.
    fs_small = NumericProperty(26.0)
    fs_body = NumericProperty(34.0)
    fs_button = NumericProperty(41.0)
    fs_title = NumericProperty(56.0)
    fs_countdown = NumericProperty(230.0)
    # A portrait panel stacks a step's buttons and puts the footer's words a row above its
    # buttons (ButtonRow, root.kv): side by side, English words ("Something is wrong") and
    # large text do not fit its width.
    portrait = BooleanProperty(False)

    def __init__(self, shell: Shell, driver: Callable[[KioskApp], None] | None = None,
                 notifier: ServiceNotifier | None = None, **kwargs: object) -> None:
        """`notifier` tells systemd (kiosk.service, Type=notify) when the attract screen is
        first on the panel and, from this app's own Clock, that the UI is still going round."""
        super().__init__(**kwargs)
        self.title = "Kiosk"
        self.shell = shell
        self.driver = driver
        self.notifier = notifier
        self.fail_fast = driver is not None
        self.exit_code = 0
        shell.attach(lambda fn: Clock.schedule_once(lambda _dt: fn()))
        shell.session.add_listener(lambda _s: self.refresh())
        shell.on_health(self._show_health)
        shell.staff.on_change(self.refresh)

    @property
    def session(self) -> Session:
        return self.shell.session

    # -- building ----------------------------------------------------------------------------

    def build(self) -> KioskRoot:
        from kiosk.ui.widgets import buttons  # noqa: F401  (registers KioskButton for kv)

        register_fonts()
        Builder.load_file(str(KV_DIR / "root.kv"))
        from kiosk.ui.screens import SCREENS

        self._update_metrics()
        Window.clearcolor = self.colors.background  # a clear is nearly free; a rectangle is not
        Window.bind(size=lambda *_: self._update_metrics())
        Window.bind(on_touch_down=self._on_any_touch)
        root = KioskRoot(shell=self.shell)
        manager: ScreenManager = root.ids.screens
        # Instant: a fade renders both screens off-screen, which costs memory and frames on
        # the software GL of panels without a GPU.
        manager.transition = NoTransition()
        for name, cls in SCREENS.items():
            manager.add_widget(cls(name=name, shell=self.shell))
        self._set_bar(root)
        root.footer_text = f"{self.shell.config.device.id}"
        if self.shell.simulate and self.driver is None:
            # The simulator's card buttons, for a person at a desk; never on a real kiosk
            # (and not under a player, whose screenshots show the kiosk as candidates do).
            from kiosk.ui.widgets.sim_cards import SimCardStrip

            root.ids.footer.add_widget(SimCardStrip(shell=self.shell), index=1)
        return root

    def on_start(self) -> None:
        ExceptionManager.add_handler(_KeepRunning(self))
        self.refresh()
        self._tick(0)
        Clock.schedule_interval(self._tick, 0.5)
        self.shell.start()
        event(log, LogEvent.KIOSK_READY, screen=self.session.screen,
              window=f"{Window.width}x{Window.height}")
        if self.notifier is not None:
            Window.bind(on_flip=self._announce_ready)
        if self.driver is not None:
            self.driver(self)

    def on_stop(self) -> None:
        if self.notifier is not None:
            self.notifier.stopping()
        self.shell.stop()

    def _announce_ready(self, *_args: object) -> None:
        """READY=1 after the first frame reached the panel (a buffer swap): the kiosk starts
        on the attract screen, so systemd's "started" means a candidate can see the kiosk.
        Not held back when a card already started a session: that would leave the unit
        "starting" until its start timeout killed the kiosk in front of the candidate."""
        if self.notifier is None:
            return
        Window.unbind(on_flip=self._announce_ready)
        self.notifier.ready(status="attract screen shown")
        interval = self.notifier.watchdog_interval_s()
        if interval is not None:
            # On the UI's own clock: when the UI thread hangs, the pings stop and systemd
            # restarts the kiosk (WatchdogSec=).
            Clock.schedule_interval(lambda _dt: self._alive(), interval)

    def _alive(self) -> None:
        if self.notifier is not None:
            self.notifier.alive()

    def _update_metrics(self) -> None:
        w, h = Window.size
        self.u = u = round(min(w, h) / 100.0, 1)
        scale = theme.LARGE_TEXT_SCALE if self.large_text else dict.fromkeys(
            theme.LARGE_TEXT_SCALE, 1.0)
        self.fs_small = round(u * 2.6 * scale["small"])
        self.fs_body = round(u * 3.2 * scale["body"])
        self.fs_button = round(u * 3.9 * scale["button"])
        self.fs_title = round(u * 5.4 * scale["title"])
        self.fs_countdown = round(u * 22 * scale["countdown"])
        self.portrait = h > w
        self.touch_min = theme.TOUCH_TARGET_MM * Metrics.dpi / 25.4

    # -- drawing the shell -------------------------------------------------------------------

    def _show_health(self) -> None:
        alert = self.shell.health.alert
        if self.root is not None:
            # A candidate's call for staff outranks a device's alert while it lasts.
            from kiosk.ui.screens.dispute import dispute_alert

            called = dispute_alert(self.session, self.shell.language)
            self.root.staff_alert = called or (
                alert_text(alert, self.shell.language) if alert else "")

    def refresh(self) -> None:
        if self.root is None:
            return
        s = self.session
        if self.lang != self.shell.language:  # every kv text naming app.lang is redrawn
            self.lang = self.shell.language
            self._set_bar(self.root)
            self._show_health()
        manager = self.root.ids.screens
        # A staff screen (the PIN pad, the panel) stands in for the candidate's while it is on;
        # a candidate who called staff waits on the dispute screen, whichever step they were on.
        staff_screen = self.shell.staff.screen
        if staff_screen is not None and not manager.has_screen(staff_screen):
            staff_screen = "staff_panel"  # a page nobody has built yet
        # Large text is the candidate's: staff's own screens keep the kiosk's display.
        large = s.large_text and staff_screen is None
        if self.large_text != large:
            self._show_large_text(large)
        self.root.large_text_chosen = s.large_text
        disputed = s.data is not None and s.data.dispute is not None
        shown = staff_screen or ("dispute" if disputed else s.screen)
        if manager.current != shown:
            event(log, LogEvent.SESSION_SCREEN, screen=shown, reason=s.last_end_reason)
            manager.current = shown
            if shown == "attract":
                # Between candidates, once the last screen's textures have been let go.
                Clock.schedule_once(lambda _dt: release_freed_memory(), 1.0)
        manager.get_screen(shown).show(s)
        self._show_health()
        self.root.staff_banner = self.shell.staff.view.value == "banner"
        if staff_screen is not None:
            self.root.can_cancel = False
            self.root.step_index = -1
            self.root.ids.stepbar.highlight(-1)
            return
        self._show_dwell()
        self.root.can_cancel = s.can_cancel
        if s.workflow != self._bar_workflow:  # a new candidate, a new workflow
            self._set_bar(self.root)
        index = self._bar_steps.index(s.screen) if s.screen in self._bar_steps else (
            self._bar_steps.index("done") if s.screen in PRINTING else -1)
        self.root.step_index = index
        self.root.ids.stepbar.highlight(index)

    def _show_large_text(self, on: bool) -> None:
        """Every size and colour at once: kv reads them from here."""
        self.large_text = on
        self.colors = theme.palette(high_contrast=on)
        Window.clearcolor = self.colors.background
        self._update_metrics()

    def _set_bar(self, root: KioskRoot) -> None:
        """The step bar for the session's workflow (a machine may run several, and the central
        bundle's may change between candidates: `Session.workflow` follows both), its steps
        but the printing, which the bar shows as the last one, done."""
        self._bar_workflow = self.session.workflow
        self._bar_steps = [s for s in self._bar_workflow.steps if s not in PRINTING]
        root.ids.stepbar.set_steps([root.t(f"step_{s}") for s in self._bar_steps])

    def _tick(self, _dt: float) -> None:
        self.shell.tick(time.monotonic())
        if self.root is not None:
            self._show_dwell()
            screen = self.root.ids.screens.current_screen
            if screen is not None and screen.name == "staff_pin":
                screen.show(self.session)  # the lockout's seconds count down
            self.root.clock_text = datetime.now(CHINA_TZ).strftime("%Y-%m-%d  %H:%M")

    def _show_dwell(self) -> None:
        """The seconds until a self-dismissing screen (done, notice) goes home."""
        s = self.session
        if self.shell.staff.screen is not None:
            return
        dwell = {"done": s.settings.done_dwell_s, "notice": s.settings.notice_dwell_s}.get(s.screen)
        if dwell is not None:
            screen = self.root.ids.screens.get_screen(s.screen)
            screen.seconds_left = max(0, int(dwell - s.seconds_on_screen() + 0.999))

    def _on_any_touch(self, *_args: object) -> None:
        if self.shell.staff.screen is not None:
            # Staff at work: their idle clock, and a session kept under the panel (a failed
            # printout staff are fixing) does not time out under their hands.
            self.shell.staff.touch()
        self.session.touch()
