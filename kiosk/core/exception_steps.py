"""The steps of the exception paths (`kiosk.core.exception_cases` holds their rules): staff
enter a document by hand, a supervisor approves the signed record before it is sealed, and a
case's A4 form is printed. Same contract as the steps in `steps.py`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kiosk.core import events as ev
from kiosk.core import record_limits
from kiosk.core.exception_cases import ApprovalRefused, check_approver, corrected
from kiosk.core.forms import FormData, form_named
from kiosk.core.hand_entry import EntryError, check_entry
from kiosk.core.notices import Notice
from kiosk.core.step_base import (
    CHINA_TZ,
    NEXT,
    STAY,
    Outcome,
    SessionData,
    Step,
    StepSettings,
    notice,
    sealing_answered,
    stay,
)


class EntryStep(Step):
    """Staff type the document's fields (a damaged, expired or missing card, another
    document); checked here, then the candidate goes on with photo, check and sign. Opened
    again to correct fields a candidate disputed, it goes back to the check step."""

    name = "entry"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        info = data.exception
        if not isinstance(event, ev.StaffEntry) or info is None or info.rule is None:
            return STAY
        today = now.astimezone(CHINA_TZ).date()
        try:
            if data.correcting and data.document is not None:
                document, changed = corrected(data.document, event.form, info.rule, today)
                data.exception = replace(info, corrected_fields=tuple(
                    dict.fromkeys(info.corrected_fields + changed)))
            else:
                document = check_entry(event.form, info.rule.document_types, today)
        except EntryError as exc:
            data.entry_problem = (exc.field, exc.code)
            return STAY
        data.entry_problem, data.document = None, document
        if data.correcting:
            data.correcting = False
            return Outcome("goto", step="check")
        return NEXT


class ApproveStep(Step):
    """A hand-entered record waits here, signed but not sealed, for a supervisor's card and
    PIN; whether the person who entered it may approve it is `settings.approval`."""

    name = "approve"

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        if data.pending_record is None and data.saved:
            return NEXT  # nothing to approve: the sign step sealed an ordinary record
        return STAY

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        record, info = data.pending_record, data.exception
        if isinstance(event, ev.Approve) and record is not None and info is not None \
                and not data.saving:
            try:
                stamp = check_approver(event.staff, info.entered_by, settings.approval,
                                       info.phoned_by)
            except ApprovalRefused as exc:
                data.approval_problem = exc.code
                return STAY
            approved = replace(info, approved_by=stamp)
            final = replace(record, exception=approved)
            try:  # the approval adds to the payload: still within the cap, or never sealed
                record_limits.check_record(final)
            except record_limits.RecordTooLarge:
                return notice(Notice.RECORD_TOO_LARGE)
            data.approval_problem, data.exception, data.saving = None, approved, True
            return stay(ev.SaveRecord(data.session_id, final))
        answered = sealing_answered(event, data)
        if answered is not None and data.saved:
            data.pending_record = None
        return answered or STAY


    def times_out(self, data: SessionData) -> bool:
        """A signed record waiting for the supervisor stays: the screen shows no personal
        data, and staff may still cancel it."""
        return False


class FormStep(Step):
    """The case's A4 form (the migrant children's qualification form for the county),
    printed once the record is sealed; a failed printout may be tried again or left to
    staff, as the login card's."""

    name = "form"

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        rule = None if data.exception is None else data.exception.rule
        if rule is None or rule.form is None:
            return NEXT
        return self._print(data, settings, now, rule.form)

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.Printed) and data.form_printing:
            data.form_printing = False
            return NEXT
        if isinstance(event, ev.EffectFailed) and data.form_printing:
            data.form_printing, data.form_failed = False, event.code
            return STAY
        if data.form_failed is not None and not data.form_printing:
            rule = None if data.exception is None else data.exception.rule
            if isinstance(event, ev.Retake | ev.Confirm) and rule is not None and rule.form:
                return self._print(data, settings, now, rule.form)
            if isinstance(event, ev.Dismiss):
                return NEXT
        return STAY

    def can_cancel(self, data: SessionData) -> bool:
        return data.form_failed is not None and not data.form_printing

    @staticmethod
    def _print(data: SessionData, settings: StepSettings, now: datetime, form: str) -> Outcome:
        assert data.document is not None
        data.form_printing, data.form_failed = True, None
        sheet = FormData(
            document=data.document, sequence_number=data.sequence_number,
            point=settings.point_name or None, on=now.astimezone(CHINA_TZ).date(),
            photo_jpeg=data.photo_jpeg,
            signature_strokes=data.signature.strokes if data.signature else (),
        )
        return stay(ev.PrintForm(data.session_id, form_named(form), sheet))


STEPS: tuple[type[Step], ...] = (EntryStep, ApproveStep, FormStep)
