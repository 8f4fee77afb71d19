"""The end-of-day report of one kiosk: today's sessions per workflow, the numbers used and
voided (with the voids' reasons), the exceptions and what is still queued, confirmed by a
supervisor's card.

What it holds and how it reads as rows is decided here, so the printed A4 form
(`hardware.printer.day_report_pdf`), the panel and the report sent up to the province say the
same thing. No personal data: counts, the machine, and the supervisor's staff number and card
fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from kiosk.core.staff_panel import OUTCOMES, VOID_REASONS
from kiosk.core.texts import text


@dataclass(frozen=True)
class DayReport:
    day: date
    device_id: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # workflow -> outcome -> n
    numbers_used: int = 0
    numbers_voided: int = 0
    void_reasons: dict[str, int] = field(default_factory=dict)
    queue_depth: int = 0
    confirmed_by: str = ""  # the supervisor's staff number
    card_fingerprint: str = ""
    confirmed_at: datetime | None = None

    @property
    def exceptions(self) -> int:
        return sum(per.get("exception", 0) for per in self.counts.values())

    def confirmed(self, staff_number: str, fingerprint: str, at: datetime) -> DayReport:
        return replace(self, confirmed_by=staff_number, card_fingerprint=fingerprint,
                       confirmed_at=at)


def build_day_report(*, day: date, device_id: str, counts: dict[str, dict[str, int]],
                     numbers: dict[str, Any], queue_depth: int) -> DayReport:
    return DayReport(day=day, device_id=device_id, counts=counts,
                     numbers_used=int(numbers.get("used", 0)),
                     numbers_voided=int(numbers.get("voided", 0)),
                     void_reasons={k: int(v) for k, v in numbers.get("void_reasons", {}).items()},
                     queue_depth=queue_depth)


def report_rows(report: DayReport, language: str) -> list[tuple[str, str]]:
    """(label, value) rows in print order: one row per workflow and outcome, then the
    numbers, the voids by reason, exceptions and the queue."""
    def t(key: str, **values: object) -> str:
        return text(key, language, **values)

    rows = [(t("report_day"), report.day.isoformat()), (t("report_device"), report.device_id)]
    for workflow, per in sorted(report.counts.items()):
        counts = " · ".join(f"{t(f'outcome_{o}')} {per.get(o, 0)}" for o in OUTCOMES)
        rows.append((t("report_workflow", workflow=workflow), counts))
    if not report.counts:
        rows.append((t("report_sessions"), "0"))
    rows.append((t("report_numbers_used"), str(report.numbers_used)))
    rows.append((t("report_numbers_voided"), str(report.numbers_voided)))
    for reason in VOID_REASONS:
        if report.void_reasons.get(reason):
            rows.append((t("report_void_reason", reason=t(f"void_reason_{reason}")),
                         str(report.void_reasons[reason])))
    rows.append((t("report_exceptions"), str(report.exceptions)))
    rows.append((t("report_queue"), str(report.queue_depth)))
    if report.confirmed_by:
        rows.append((t("report_confirmed_by"), report.confirmed_by))
    return rows
