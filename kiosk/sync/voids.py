"""Telling the province which sequence numbers were voided (`kiosk.store.numbers`).

After a drain that went well, the uploader sends the numbers not yet reported, signed like
every request, and marks them reported once the province answers. A lost answer means they go
again next time, which the province takes as the same report.
"""

from __future__ import annotations

import logging

from central_api_client.client import ProvincialApiClient
from central_api_client.logs import LogEvent, event
from central_api_client.voids import MAX_VOIDS_PER_REPORT, VoidedNumber
from kiosk.store import KioskStore

log = logging.getLogger("kiosk.uploader")


def report_voids(store: KioskStore, client: ProvincialApiClient) -> int:
    """Send every voided number not reported yet, a report at a time; how many went. Raises
    the client's ApiError when a report fails (those numbers wait for the next drain)."""
    sent = 0
    while True:
        pending = store.numbers.unreported_voids(MAX_VOIDS_PER_REPORT)
        if not pending:
            return sent
        new = client.report_voids([VoidedNumber(number, at) for number, at in pending])
        store.numbers.mark_voids_reported([number for number, _ in pending])
        sent += len(pending)
        event(log, LogEvent.SEQUENCE_VOIDS_REPORTED, count=len(pending), new=new)
