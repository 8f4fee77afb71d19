"""Sending the end-of-day reports supervisors confirmed on the staff panel
(`kiosk.store.staff_desk`) to the province.

After a drain that went well, the uploader sends each report not yet sent, signed like every
request, and marks it sent once the province answers; a lost answer means it goes again, which
the province keeps as the same day's report. A stored report this version cannot send (it
would never pass the contract) is logged and left, never retried in a loop of errors.
"""

from __future__ import annotations

import logging

from central_api_client.client import ProvincialApiClient
from central_api_client.day_report import DayReportFormatError, parse_day_report
from central_api_client.logs import LogEvent, event
from kiosk.store import KioskStore

log = logging.getLogger("kiosk.uploader")


def send_day_reports(store: KioskStore, client: ProvincialApiClient) -> int:
    """Send every confirmed report not sent yet; how many went. Raises the client's ApiError
    when one fails (it and the later ones wait for the next drain)."""
    sent = 0
    for stored in store.staff.unreported_reports():
        try:
            report = parse_day_report(stored)
        except DayReportFormatError as exc:
            event(log, LogEvent.STAFF_DAY_REPORT_UNSENDABLE, level=logging.ERROR,
                  reason=str(exc))
            continue
        client.send_day_report(report)
        store.staff.mark_report_sent(report.day)
        sent += 1
        event(log, LogEvent.STAFF_DAY_REPORT_SENT, day=report.day)
    return sent
