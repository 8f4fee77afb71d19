"""The exception paths in the journal: what staff and candidates did, never what was typed.

The shell hands every touch to the session; for the exceptions' events it notes, from the
session before and after, what happened (a case started, an entry refused and why, a dispute
and the names of its fields, an approval) and logs it by field names, codes and staff numbers
only (`central_api_client.logs`: no name, no ID number, no value a candidate disputed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from central_api_client.logs import LogEvent, event
from kiosk.core import events as ev
from kiosk.core.exception_cases import Dispute, ExceptionInfo
from kiosk.core.session import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Before:
    screen: str
    session_id: str | None
    entry_problem: tuple[str, str] | None
    dispute: Dispute | None
    approval_problem: str | None
    exception: ExceptionInfo | None


def snapshot(session: Session) -> Before:
    data = session.data
    if data is None:
        return Before(session.screen, None, None, None, None, None)
    return Before(session.screen, data.session_id, data.entry_problem, data.dispute,
                  data.approval_problem, data.exception)


def note(event_: ev.Event, before: Before, session: Session) -> None:
    """Log what `event_` did to the session, if it is one of the exceptions'."""
    data = session.data
    if isinstance(event_, ev.BeginException):
        if data is not None and data.session_id != before.session_id:
            event(log, LogEvent.EXCEPTION_STARTED, case=event_.case.value,
                  staff_number=event_.staff.staff_number, workflow=data.workflow)
    elif isinstance(event_, ev.StaffEntry):
        if data is not None and data.entry_problem is not None:
            field, code = data.entry_problem
            event(log, LogEvent.EXCEPTION_ENTRY_REFUSED, level=logging.INFO, field=field,
                  code=code)
        elif data is not None and data.document is not None:
            info = data.exception
            event(log, LogEvent.EXCEPTION_ENTRY_ACCEPTED,
                  card_type=data.document.card_type.value,
                  corrected=list(info.corrected_fields) if info else [])
    elif isinstance(event_, ev.Dispute):
        if data is not None and data.dispute is not None and before.dispute is None:
            event(log, LogEvent.EXCEPTION_DISPUTE_RAISED, level=logging.WARNING,
                  kind=data.dispute.kind, fields=list(data.dispute.fields))
    elif isinstance(event_, ev.ResolveDispute):
        if before.dispute is not None and (data is None or data.dispute is None):
            event(log, LogEvent.EXCEPTION_DISPUTE_RESOLVED, action=event_.action)
    elif isinstance(event_, ev.Approve):
        if data is not None and data.approval_problem is not None:
            event(log, LogEvent.EXCEPTION_APPROVAL_REFUSED, level=logging.WARNING,
                  code=data.approval_problem, staff_number=event_.staff.staff_number)
        elif data is not None and data.exception is not None \
                and data.exception.approved_by is not None:
            event(log, LogEvent.EXCEPTION_APPROVED, staff_number=event_.staff.staff_number,
                  case=data.exception.case.value if data.exception.case else None)
