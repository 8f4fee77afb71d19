"""What the staff panel decides besides signing in: the kiosk's own pause, how a candidate
session's end is counted for the day, which reasons a number may be voided with, and the
cases of the exceptions list. Pure, so the panel, the end-of-day report and the tests count
and word things one way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from kiosk.core.schedule import Closed, Message, Refusal
from kiosk.core.step_base import CHINA_TZ
from kiosk.core.texts import LANGUAGES, text

# -- the kiosk's own pause --------------------------------------------------------------------

# Why staff paused this kiosk; each has its candidates' words in texts (`local_pause_<reason>`).
LOCAL_PAUSE_REASONS: tuple[str, ...] = ("break", "fault", "closed_today")


@dataclass(frozen=True)
class LocalPause:
    """Staff paused this kiosk: kept in the database, so a restart does not reopen it."""

    reason: str
    staff_number: str
    at: str  # UTC timestamp

    def __post_init__(self) -> None:
        if self.reason not in LOCAL_PAUSE_REASONS:
            raise ValueError(f"unknown pause reason {self.reason!r}")

    def refusal(self) -> Refusal:
        """The same closure the central pause is: the attract screen and a placed card say
        these words (`kiosk.core.closed`)."""
        words = {lang: text(f"local_pause_{self.reason}", lang) for lang in LANGUAGES}
        return Refusal(Closed.PAUSED, message=Message(zh=words["zh"], en=words["en"]))

    def as_json(self) -> dict[str, str]:
        return {"reason": self.reason, "staff_number": self.staff_number, "at": self.at}

    @classmethod
    def from_json(cls, value: object) -> LocalPause | None:
        """A stored pause, or None (none stored, or one this version cannot read: a pause
        that cannot be shown is no pause, and staff see the kiosk open)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(str(value["reason"]), str(value["staff_number"]), str(value["at"]))
        except (KeyError, ValueError):
            return None


# -- the day's counts -------------------------------------------------------------------------

OUTCOMES: tuple[str, ...] = ("started", "completed", "cancelled", "timed_out", "exception")
# How the session machine's end reasons count; a session that ended on a notice (a card
# refused, a dispute, the retake limit) is an exception for staff.
_END_OUTCOME = {
    "completed": "completed",
    "cancelled": "cancelled",
    "taken_over": "cancelled",
    "idle_timeout": "timed_out",
    "notice": "exception",
}


def outcome_of(end_reason: str | None, ended_on_notice: bool) -> str:
    """What a finished candidate session counts as."""
    if ended_on_notice:
        return "exception"
    return _END_OUTCOME.get(end_reason or "", "cancelled")


def china_day(now: datetime) -> date:
    return now.astimezone(CHINA_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a China calendar day runs between (start inclusive, end exclusive)."""
    start = datetime.combine(day, time(0), CHINA_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


def tally(rows: list[tuple[str, str | None]]) -> dict[str, dict[str, int]]:
    """Per workflow, each outcome's count from (workflow, outcome or None while running);
    every session counts as started."""
    counts: dict[str, dict[str, int]] = {}
    for workflow, outcome in rows:
        per = counts.setdefault(workflow, dict.fromkeys(OUTCOMES, 0))
        per["started"] += 1
        if outcome in per and outcome != "started":
            per[outcome] += 1
    return counts


# -- voiding ----------------------------------------------------------------------------------

VOID_REASONS: tuple[str, ...] = ("candidate_left", "machine_fault", "wrong_person")

# -- exceptions -------------------------------------------------------------------------------

# The staff panel's exceptions list: the domain page's exception table in the plans' order
# (`kiosk.core.exception_cases.Case` values, each run as a candidate's session), and disputes
# ("不是我", "信息有误"), which go to the candidate waiting for staff.
EXCEPTION_CASES: tuple[str, ...] = (
    "migrant_children", "other_document", "no_card_yet", "card_damaged", "card_expired",
    "cannot_come", "dispute",
)
