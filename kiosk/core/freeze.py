"""The upload freeze: when records have not left the machine for too long, no new session starts.

MOSIP's registration client stops registering when it has not synced with the server for a
set number of days, and for the same reason: records that stay on one machine are at risk
(a stolen or broken kiosk loses them all), and the longer a machine goes unnoticed offline,
the more it loses. Staff lift the freeze by getting the records off the machine: an upload
that succeeds (the network is back) or an export to removable media (`kioskctl export`).

Pure: the shell reads the times from the store (`kiosk.sync.status`) and asks `frozen`.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def frozen(
    *,
    now: datetime,
    freeze_after_days: float,
    last_upload: datetime | None,
    last_export: datetime | None,
    counting_since: datetime,
) -> bool:
    """True when no new session may start until records are uploaded or exported.

    The clock runs from the later of the last successful upload and the last export; a machine
    that has done neither counts from `counting_since` (when it first counted, which the store
    keeps), so a new machine gets its full allowance rather than none. `freeze_after_days`
    0 (or less) turns the freeze off. A time in the future (the clock was set back) counts
    as now: it must not freeze a machine that has just uploaded.
    """
    if freeze_after_days <= 0:
        return False
    moments = [m for m in (last_upload, last_export) if m is not None]
    since = max(moments) if moments else counting_since
    return now - since >= timedelta(days=freeze_after_days)
