"""Reconciliation: ask the province what it holds of this machine's records, and act on it.

The kiosk's outbox and the province's records can disagree after a lost answer (the province
stored a record, the kiosk never heard), an import from a disc, or an acknowledgement stored
by an older version without a receipt. A signed status query (MOSIP's packet status sync does
the same) settles it, always on receipts: a waiting record the province holds is marked
delivered with its receipt; an acknowledged record whose receipt does not verify gets a fresh
one, or, if the province says it does not hold it, is queued to be sent again. Nothing is
let go here; only the purge drops blobs, and only on a receipt that verifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from central_api_client.client import ProvincialApiClient
from central_api_client.contract import MAX_STATUS_IDS
from central_api_client.receipts import Receipt
from kiosk.store import PENDING_STATES, KioskStore


@dataclass
class ReconcileReport:
    """Record ids by what reconciliation found (never personal data)."""

    delivered_now: list[str] = field(default_factory=list)  # waiting here, held there
    receipts_renewed: list[str] = field(default_factory=list)  # acknowledged, receipt replaced
    requeued: list[str] = field(default_factory=list)  # acknowledged here, not held there
    lost: list[str] = field(default_factory=list)  # purged here, not held there: alarm
    waiting: int = 0  # still waiting here and not held there: the uploader will send them

    @property
    def ok(self) -> bool:
        return not self.lost


def reconcile(store: KioskStore, client: ProvincialApiClient) -> ReconcileReport:
    """One pass over the records the two sides may disagree on. Raises the client's errors
    (unreachable, refused device, a bad receipt) for the caller to tell in words."""
    report = ReconcileReport()
    key = client.require_receipt_key()
    doubtful = set(store.outbox.receipt_problems(key))
    pending = store.outbox.metas(PENDING_STATES)
    acknowledged = [m for m in store.outbox.metas(("acknowledged",)) if m.record_id in doubtful]
    purged = [m for m in store.outbox.metas(("purged",)) if m.record_id in doubtful]
    held: dict[str, Receipt | None] = {}
    asked = pending + acknowledged + purged
    for start in range(0, len(asked), MAX_STATUS_IDS):
        held.update(client.record_status(asked[start:start + MAX_STATUS_IDS]))
    store.outbox.mark_acknowledged([r for r in held.values() if r is not None])
    report.delivered_now = [m.record_id for m in pending if held[m.record_id]]
    report.waiting = len(pending) - len(report.delivered_now)
    report.receipts_renewed = [m.record_id for m in acknowledged + purged if held[m.record_id]]
    report.requeued = [m.record_id for m in acknowledged if not held[m.record_id]]
    store.outbox.requeue(report.requeued)
    report.lost = [m.record_id for m in purged if not held[m.record_id]]
    return report
