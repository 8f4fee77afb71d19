"""The readiness report of a machine (`kioskctl selftest`): one line per part, ok / warn / fail.

The rules of the verdicts live here, pure, so the technician's command only gathers facts: a
warning is something that works today but needs attention (a roll nearly used up, a clock a
little off, a part a later release configures); a failure stops candidates from being served
or their records from reaching the province, and makes the whole report fail (exit 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["ok", "warn", "fail"]
_ORDER: dict[Level, int] = {"ok": 0, "warn": 1, "fail": 2}

# A kiosk clock this far from the province's is worth fixing before it matters; the API
# refuses requests beyond its own allowed skew (`central_api_client.signing`).
CLOCK_WARN_S = 30.0


@dataclass(frozen=True)
class Check:
    """One part's verdict: what it is, how it stands, what to do about it (empty when ok)."""

    part: str
    level: Level
    summary: str
    advice: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"part": self.part, "level": self.level, "summary": self.summary,
                "advice": self.advice, "facts": self.facts}


def overall(checks: Iterable[Check]) -> Level:
    """The worst level of them all ("ok" for none)."""
    worst: Level = "ok"
    for check in checks:
        if _ORDER[check.level] > _ORDER[worst]:
            worst = check.level
    return worst


def clock_level(skew_s: float, refused_beyond_s: float) -> Level:
    """How far this machine's clock may be from the server's: beyond what the API accepts is
    a failure (every upload is refused), beyond CLOCK_WARN_S a warning."""
    distance = abs(skew_s)
    if distance > refused_beyond_s:
        return "fail"
    return "warn" if distance > min(CLOCK_WARN_S, refused_beyond_s) else "ok"


def disk_level(free_mb: float, min_free_mb: float) -> Level:
    """Below the configured floor new sessions are refused; below twice it, a warning."""
    if free_mb < min_free_mb:
        return "fail"
    return "warn" if free_mb < 2 * min_free_mb else "ok"
