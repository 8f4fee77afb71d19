"""The resting screen: invites the next candidate, and holds no one's data.

While the central configuration keeps the kiosk closed (a pause, outside every window, an
expired bundle) it says so instead of inviting, in the words `kiosk.core.closed` gives the
session's `closed` state; the session asks the gate again every `gate_refresh_s`.
"""

from __future__ import annotations

from kivy.animation import Animation
from kivy.properties import BooleanProperty, StringProperty

from kiosk.core import events as ev
from kiosk.core.closed import closed_words
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv classes)
from kiosk.ui.widgets.buttons import KioskButton

load_kv(__file__)


class AttractScreen(KioskScreen):
    screen_name = "attract"
    closed = StringProperty("")  # why the kiosk is closed (a notice code), "" when open
    closed_title = StringProperty("")
    closed_message = StringProperty("")
    several = BooleanProperty(False)  # more than one workflow open: a button for each
    choosing = BooleanProperty(False)  # a card is placed: which workflow is it for?

    def show(self, session: Session) -> None:
        self._offer(session.offered if session.closed is None else ())
        self.choosing = session.choosing
        if session.closed is None:
            self.closed, self.closed_title, self.closed_message = "", "", ""
            return
        self.closed_title, self.closed_message = closed_words(session.closed, self.shell.language)
        self.closed = session.closed.reason.value

    _anim: Animation | None = None

    def on_enter(self, *args):
        # One animation for the kiosk's life: a new one at each return here was kept by Kivy
        # after cancel_all (~20 objects a candidate, measured with tracemalloc over 30).
        if self._anim is None:
            self._anim = Animation(lift=1, duration=1.2, t="in_out_sine") + Animation(
                lift=0, duration=1.2, t="in_out_sine"
            )
            self._anim.repeat = True
        self._anim.start(self.ids.art)

    def on_leave(self, *args):
        if self._anim is not None:
            self._anim.cancel(self.ids.art)

    def start(self, workflow: str | None = None) -> None:
        self.send(ev.Start(workflow))

    def _offer(self, workflows: tuple[str, ...]) -> None:
        """One big button per open workflow (ids `start_NAME`), when more than one is open."""
        shown = tuple(c.workflow for c in reversed(self.ids.choices.children))
        self.several = len(workflows) > 1
        wanted = workflows if self.several else ()
        if shown == wanted:
            return
        self.ids.choices.clear_widgets()
        for name in shown:
            self.ids.pop(f"start_{name}", None)
        for name in wanted:
            button = KioskButton(text=self.t(f"workflow_{name}"))
            button.workflow = name
            button.bind(on_release=lambda b: self.start(b.workflow))
            self.ids.choices.add_widget(button)
            self.ids[f"start_{name}"] = button
