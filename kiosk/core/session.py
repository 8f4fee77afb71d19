"""The session state machine: runs one candidate at a time through a workflow's steps.

Besides the steps there are two resting screens: `attract` (nobody is being served) and
`notice` (something needs the candidate's attention or staff). Leaving a session for either
drops its data. An idle timeout and "cancel" do the same, so a walked-away candidate's data
does not stay on the screen for the next person.

A machine may run more than one workflow (`collect`, `confirm`, `adult-confirm`): the schedule
says which are open now (`offered`); with more than one the attract screen offers each, and a
card placed there waits (until the idle timeout) for the candidate's choice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kiosk.core import events as ev
from kiosk.core.documents import CardType, IdentityDocument
from kiosk.core.exception_cases import CASES, ExceptionInfo, StaffStamp
from kiosk.core.notices import Notice
from kiosk.core.schedule import Refusal
from kiosk.core.steps import STEPS, Outcome, SessionData, Step, StepSettings
from kiosk.core.texts import LANGUAGES
from kiosk.core.workflows import Workflow, get_workflow

ATTRACT = "attract"
# Cards whose holders may not read Chinese: the kiosk turns to English when one is read.
_ENGLISH_CARDS = frozenset({CardType.FOREIGN_2017, CardType.FOREIGN_2023})


def reads_english(document: IdentityDocument) -> bool:
    return document.card_type in _ENGLISH_CARDS

NOTICE = "notice"


@dataclass(frozen=True)
class SessionSettings:
    workflow: Workflow
    step: StepSettings
    idle_timeout_s: float = 90.0
    done_dwell_s: float = 10.0
    notice_dwell_s: float = 20.0
    # How often the attract screen asks the start gate again (the central bundle may have
    # paused, closed or reopened the kiosk since): what it shows is never older than this.
    gate_refresh_s: float = 30.0
    # The machine's other workflows, after `workflow` (its first).
    others: tuple[Workflow, ...] = field(default=())

    @property
    def workflows(self) -> dict[str, Workflow]:
        return {w.name: w for w in (self.workflow, *self.others)}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Session:
    """One kiosk's session machine. Not thread-safe: the shell calls it from one thread."""

    def __init__(
        self,
        settings: SessionSettings,
        run_effect: Callable[[ev.Effect], None],
        now: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        refuse_start: Callable[[], Notice | Refusal | None] = lambda: None,
        open_workflows: Callable[[], tuple[str, ...]] | None = None,
        settings_now: Callable[[], SessionSettings] | None = None,
    ) -> None:
        """`refuse_start()` names a reason why no session may begin now: a machine's (a
        notice, such as a nearly full disk) or the central configuration's (a `Refusal`: a
        pause, outside the windows, an expired bundle), which the attract screen also shows
        as `closed`. Asked before each candidate and, on the attract screen, every
        `gate_refresh_s`; never mid-session. `open_workflows()` names the machine's workflows
        open now when the gate lets sessions start (None: all of them). `settings_now()`: the
        settings in force (the central bundle's workflows and steps), asked when a candidate
        begins, after the gate (which re-read the bundle), so a new workflow applies from the
        next candidate on and never changes one under way; without it `settings` stay."""
        self.settings = settings
        self._settings_now = settings_now
        self._workflows = settings.workflows
        self._open_workflows = open_workflows or (lambda: tuple(self._workflows))
        self.workflow: Workflow = settings.workflow  # the current (or last) session's
        self.offered: tuple[str, ...] = (settings.workflow.name,)
        self._held_card: ev.CardPresented | None = None
        self._refuse_start = refuse_start
        self._run_effect = run_effect
        self._now = now
        self._monotonic = monotonic
        # Every step once: a step holds no state of its own, and an exception's workflow
        # (kiosk.core.exception_cases) may run between candidates as well as the machine's.
        self._steps: dict[str, Step] = {name: cls() for name, cls in STEPS.items()}
        self._listeners: list[Callable[[Session], None]] = []
        self.screen: str = ATTRACT
        self.data: SessionData | None = None
        self.notice_code: Notice | None = None
        self.notice_values: Mapping[str, str] = {}
        self.last_end_reason: str | None = None
        self.closed: Refusal | None = None  # the central configuration keeps the kiosk closed
        self._language = settings.step.language  # between candidates (the attract screen)
        self._large_text = settings.step.large_text  # likewise
        self._gate_asked_at: float | None = None
        self._last_activity = monotonic()
        self._entered_at = monotonic()

    # -- observation ---------------------------------------------------------------------------

    def add_listener(self, callback: Callable[[Session], None]) -> None:
        """`callback(session)` after every change the screen should show."""
        self._listeners.append(callback)

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback(self)

    @property
    def step(self) -> Step | None:
        return self._steps.get(self.screen) if self.screen in self.workflow.steps else None

    @property
    def step_index(self) -> int:
        """Position of the current step in the workflow (-1 on attract or notice)."""
        steps = self.workflow.steps
        return steps.index(self.screen) if self.screen in steps else -1

    @property
    def choosing(self) -> bool:
        """A card was placed while more than one workflow is open: the attract screen asks
        which (the card is read into the chosen one)."""
        return self._held_card is not None

    @property
    def can_cancel(self) -> bool:
        step = self.step
        return step is not None and self.data is not None and step.can_cancel(self.data)

    def seconds_on_screen(self) -> float:
        return self._monotonic() - self._entered_at

    # -- input ---------------------------------------------------------------------------------

    def touch(self) -> None:
        """Any touch on the screen: the candidate is still there."""
        self._last_activity = self._monotonic()

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.EffectOutcome):
            if self.data is None or event.session_id != self.data.session_id:
                return  # the answer to an effect of a session that has since ended
        else:
            self.touch()  # a person (or a face before the camera) is there
        if isinstance(event, ev.FaceSeen):
            return  # presence only: it keeps the idle timeout away, and changes nothing else
        if isinstance(event, ev.ChooseLanguage):
            self._choose_language(event.language)
            return
        if isinstance(event, ev.ChooseLargeText):
            self._choose_large_text(event.on)
            return
        if (isinstance(event, ev.CardPresented) and self.screen in (ATTRACT, "card")
                and reads_english(event.document)):
            self._choose_language("en", announce=False)  # before the card step shows it

        if isinstance(event, ev.Cancel):
            if self.can_cancel:
                self._end("cancelled")
            return
        if self.screen == NOTICE:
            if isinstance(event, ev.Dismiss | ev.Confirm):
                self._end("notice_dismissed")
            return
        if self.screen == ATTRACT:
            if isinstance(event, ev.BeginException):
                self._begin_exception(event)
                return
            self._on_attract(event)
            return

        step, data = self.step, self.data
        assert step is not None and data is not None
        self._apply(step.handle(event, data, self.settings.step, self._now()))

    def _on_attract(self, event: ev.Event) -> None:
        """A touch on a workflow's button, or a card: the only open workflow starts and reads
        the card; with several open, a card waits until the candidate chooses one."""
        card = event if isinstance(event, ev.CardPresented) else None
        if card is not None and len(self.offered) > 1:
            self._held_card = card
            self._changed()
            return
        if isinstance(event, ev.Start):
            card, self._held_card = self._held_card, None
        elif card is None:
            return
        self._begin(event.workflow if isinstance(event, ev.Start) else None)
        if card is not None and self.screen == "card":
            self.handle(card)  # a card placed on the attract screen starts and reads

    def tick(self) -> None:
        """Called about once a second: idle timeout, the self-dismissing screens, and the
        start gate again while nobody is being served."""
        idle = self._monotonic() - self._last_activity
        if self.screen == ATTRACT:
            if self._held_card is not None and idle >= self.settings.idle_timeout_s:
                self._held_card = None  # nobody chose: the card's data is not kept
                self._changed()
            asked = self._gate_asked_at
            if asked is None or self._monotonic() - asked >= self.settings.gate_refresh_s:
                before = self.closed
                self._ask_gate()
                if self.closed != before:
                    self._changed()
        elif self.screen == NOTICE:
            if self.seconds_on_screen() >= self.settings.notice_dwell_s:
                self._end("notice_timeout")
        elif self.screen == "done":
            if self.seconds_on_screen() >= self.settings.done_dwell_s:
                self._end("completed")
        elif self.can_cancel and self._times_out() and idle >= self.settings.idle_timeout_s:
            self._end("idle_timeout")

    @property
    def wants_staff(self) -> bool:
        """The candidate's session waits for staff: a hand entry, a supervisor's approval, or
        a candidate who called them. A staff card inserted now signs in at once rather than
        waiting for the session to end, and the session's screen stays in front."""
        data = self.data
        return data is not None and (data.dispute is not None
                                     or self.screen in ("entry", "phone", "approve"))

    def _times_out(self) -> bool:
        step, data = self.step, self.data
        if step is None or data is None:
            return False
        rule = None if data.exception is None else data.exception.rule
        if rule is not None and rule.confirmed_by_phone:
            # Staff work on an absent candidate's entry, on the phone between touches: the
            # session is theirs to finish or cancel, never lost to the candidate's timeout.
            return False
        return step.times_out(data)

    # -- staff -----------------------------------------------------------------------------------

    @property
    def may_take_over(self) -> bool:
        """Whether staff may end the candidate's session now: whenever Cancel could, and on
        the done screen (the record is sealed and printed); never mid-save or mid-print."""
        return self.data is not None and (self.can_cancel or self.screen == "done")

    def take_over(self) -> bool:
        """Staff take the kiosk over: the session ends as Cancel ends it (its data dropped,
        nothing half-done saved). False when it may not end now."""
        if not self.may_take_over:
            return False
        self._end("completed" if self.screen == "done" else "taken_over")
        return True

    def ask_gate_now(self) -> None:
        """The start gate changed on this machine (staff paused or resumed it): the attract
        screen shows it now rather than at the next refresh."""
        if self.screen == ATTRACT:
            self._ask_gate()
            self._changed()

    # -- transitions ---------------------------------------------------------------------------

    def _ask_gate(self) -> Notice | Refusal | None:
        refusal = self._refuse_start()
        self._gate_asked_at = self._monotonic()
        self.closed = refusal if isinstance(refusal, Refusal) else None
        if refusal is None:
            open_now = set(self._open_workflows())
            self.offered = tuple(n for n in self._workflows if n in open_now) \
                or (self.settings.workflow.name,)
        return refusal

    def _begin_exception(self, event: ev.BeginException) -> None:
        """Staff start a candidate's session for an exception: its own workflow, the record
        stamped with who started it. A card that may not do so starts nothing."""
        if not event.staff.may("exception"):
            return
        rule = CASES[event.case]
        self._begin(exception=ExceptionInfo(event.case, entered_by=StaffStamp.of(event.staff)),
                    special=get_workflow(rule.workflow))

    def _begin(self, workflow: str | None = None, exception: ExceptionInfo | None = None,
               special: Workflow | None = None) -> None:
        """`workflow`: the button's (an offered workflow's name); `special`: an exception's
        workflow staff started, with its `exception`."""
        refusal = self._ask_gate()
        if refusal is not None:
            # Nothing is collected: the candidate reads why (a closure in its own words).
            self.notice_code = refusal if isinstance(refusal, Notice) \
                else Notice(refusal.reason.value)
            self.notice_values = {}
            self.screen = NOTICE
            self._entered_at = self._monotonic()
            self._changed()
            return
        if self._settings_now is not None:
            self._use(self._settings_now())
        if special is not None:
            self.workflow = special
        else:
            # The button's workflow if it is still open (the gate was just asked again).
            offered = [n for n in self.offered if n in self._workflows] \
                or [self.settings.workflow.name]
            name = workflow if workflow in offered else offered[0]
            self.workflow = self._workflows[name]
        self.data = SessionData(session_id=uuid.uuid4().hex, workflow=self.workflow.name,
                                started_at=self._now(), exception=exception,
                                language=self._language, large_text=self._large_text)
        self.last_end_reason = None
        self._go(self.workflow.steps[0])

    @property
    def language(self) -> str:
        """The language of the screens and the voice now: the candidate's choice, else the
        kiosk's own."""
        return self.data.language if self.data is not None else self._language

    def _choose_language(self, language: str, announce: bool = True) -> None:
        if language not in LANGUAGES or language == self.language:
            return
        self._language = language
        if self.data is not None:
            self.data.language = language
            step = self.step
            if step is not None:
                step.relabel(self.data, self.settings.step, self._now())
        if announce:
            self._changed()

    @property
    def large_text(self) -> bool:
        """Whether the screens show large text in high contrast now: the candidate's choice,
        else the kiosk's own (like the language, it goes with the session)."""
        return self.data.large_text if self.data is not None else self._large_text

    def _choose_large_text(self, on: bool) -> None:
        if on == self.large_text:
            return
        self._large_text = on
        if self.data is not None:
            self.data.large_text = on
        self._changed()

    def _use(self, settings: SessionSettings) -> None:
        """Between candidates only: these settings (every step exists already)."""
        self._workflows = settings.workflows
        self.settings = settings

    def _go(self, screen: str) -> None:
        self.screen = screen
        self._entered_at = self._monotonic()
        step, data = self.step, self.data
        if step is not None and data is not None:
            outcome = step.enter(data, self.settings.step, self._now())
            if outcome.kind != "stay" or outcome.effects:
                self._apply(outcome, announce=False)
        self._changed()

    def _apply(self, outcome: Outcome, announce: bool = True) -> None:
        for effect in outcome.effects:
            self._run_effect(effect)
        if outcome.kind == "next":
            steps = self.workflow.steps
            self._go(steps[steps.index(self.screen) + 1])
        elif outcome.kind == "goto" and outcome.step in self.workflow.steps:
            self._go(outcome.step)
        elif outcome.kind == "finish":
            self._end("completed")
        elif outcome.kind == "notice":
            self.notice_code = outcome.notice
            self.notice_values = outcome.values
            self.data = None  # whatever was collected goes; a saved record is already sealed
            self.screen = NOTICE
            self._entered_at = self._monotonic()
            self._changed()
        elif announce:
            self._changed()

    def _end(self, reason: str) -> None:
        """Back to the attract screen, dropping the session's data (and its language and
        large text: the next candidate starts with the kiosk's own)."""
        self.data = None
        self._language = self.settings.step.language
        self._large_text = self.settings.step.large_text
        self.notice_code = None
        self.notice_values = {}
        self._held_card = None
        self.last_end_reason = reason
        self.screen = ATTRACT
        self._entered_at = self._monotonic()
        self._ask_gate()  # the attract screen says at once whether the kiosk is open
        self._changed()
