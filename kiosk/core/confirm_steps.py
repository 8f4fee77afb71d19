"""The steps only the second visits have: find the candidate's online registration, show the
proof table, copy the integrity pledge. (They share card, identity, photo, check, sign and the
A4 form's printing with the other journeys: `steps.py`.) The rules they apply are in
`confirmation.py`; a candidate who says the data is wrong goes to `request_correction`, the one
place the staff panel's dispute handling hooks into.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.core import confirmation as rules
from kiosk.core import events as ev
from kiosk.core import forms, record_limits
from kiosk.core.exception_cases import Dispute
from kiosk.core.notices import Notice
from kiosk.core.record import Confirmation
from kiosk.core.step_base import (
    CHINA_TZ,
    NEXT,
    STAY,
    Outcome,
    SessionData,
    Step,
    StepSettings,
    notice,
    resolve_dispute,
    stay,
)


def form_data(data: SessionData, settings: StepSettings, now: datetime) -> forms.FormData:
    """What the second visit's screens and forms show: the card, the online registration,
    the first visit's number, this point, today's date; the photo and signature once taken."""
    assert data.document is not None and data.registration is not None
    return forms.FormData(
        document=data.document,
        sequence_number=data.sequence_number,
        point=settings.point_name or settings.point_code,
        on=now.astimezone(CHINA_TZ).date(),
        online={k: v for k, v in data.registration.fields.items() if k in forms.ONLINE_FIELDS},
        photo_jpeg=data.photo_jpeg,
        signature_strokes=data.signature.strokes if data.signature else (),
    )


def show_rows(data: SessionData, settings: StepSettings, now: datetime) -> None:
    """Fix the rows the candidate is about to check: the screen draws exactly these, and the
    record carries them and their hash."""
    assert data.registration is not None
    form = rules.SHOWN[data.registration.exam]
    data.shown_rows = tuple(forms.rows(form, form_data(data, settings, now), data.language))


def request_correction(data: SessionData, fields: tuple[str, ...] = ()) -> Outcome:
    """"信息有误": the candidate calls staff, who see on the panel which fields (names only)
    and either mark the record for the province to correct, after which the candidate goes on
    to sign what was shown, or end the session (`step_base.resolve_dispute`)."""
    data.dispute = Dispute("data_wrong", fields)
    return STAY


def confirmation_of(data: SessionData) -> Confirmation | None:
    """The record's confirmation part; None for a first visit."""
    reg = data.registration
    if reg is None:
        return None
    assert data.document is not None and data.shown_sha256 is not None
    assert reg.first_sequence_number is not None
    return Confirmation(
        exam=reg.exam,
        first_sequence_number=reg.first_sequence_number,
        point_code=reg.point_code,
        source=reg.source,
        shown_rows=tuple((r.key, r.label, r.value) for r in data.shown_rows),
        shown_sha256=data.shown_sha256,
        city_review=reg.exam == "adult" and rules.city_review(data.document),
        pledge_strokes=data.pledge_strokes or (),
        pledge_at=data.pledge_at,
    )


class CandidateStep(Step):
    """Find the candidate's online registration by the card's number; on, once it may be
    confirmed here. Not found: ask staff. The adult exam's: only at the point it names, and
    minors and the medical track only at a point designated for them."""

    name = "candidate"

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        assert data.document is not None
        data.looking_up = True
        return stay(ev.FindCandidate(data.session_id, rules.exam_of(data.workflow),
                                     data.document.id_number))

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.EffectFailed) and data.looking_up:
            data.looking_up = False
            return notice(Notice.for_code(event.code))
        if not (isinstance(event, ev.CandidateFound) and data.looking_up):
            return STAY
        data.looking_up = False
        reg, doc = event.registration, data.document
        assert doc is not None
        if (reg is None or reg.id_number != doc.id_number
                or reg.exam != rules.exam_of(data.workflow) or not reg.first_sequence_number):
            return notice(Notice.CANDIDATE_NOT_FOUND)
        refused = rules.refusal(reg, doc, point_code=settings.point_code,
                                designations=settings.designations,
                                exam_date=settings.adult_exam_date)
        if refused is Notice.WRONG_POINT:
            return notice(refused, point=reg.point_code)
        if refused is not None:
            return notice(refused)
        data.registration, data.sequence_number = reg, reg.first_sequence_number
        return NEXT


class ProofStep(Step):
    """The proof table, every field, a page at a time. "信息无误" once every page was seen
    (the rows and their hash go into the record); "信息有误": a correction request."""

    name = "proof"

    def enter(self, data: SessionData, settings: StepSettings, now: datetime) -> Outcome:
        show_rows(data, settings, now)
        data.page = data.pages_seen = 0
        return STAY

    def relabel(self, data: SessionData, settings: StepSettings, now: datetime) -> None:
        """What is confirmed is what was shown: the rows again, in the new language (the page
        and the pages seen stay; the hash is taken at "信息无误" from the rows then shown)."""
        show_rows(data, settings, now)

    @staticmethod
    def page_count(data: SessionData, settings: StepSettings) -> int:
        return rules.pages(len(data.shown_rows), settings.proof_rows_per_page)

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        last = self.page_count(data, settings) - 1
        if data.dispute is not None:  # staff were called: only their answer moves it on
            outcome = resolve_dispute(event, data, Notice.DATA_DISPUTED)
            if outcome.kind == "next":  # marked for central correction: confirmed as shown
                data.shown_sha256 = rules.shown_sha256(data.shown_rows)
                data.confirmed_at = now
            return outcome
        if isinstance(event, ev.Turn):
            data.page = min(last, data.page + 1) if event.forward else max(0, data.page - 1)
            data.pages_seen = max(data.pages_seen, data.page)
        elif isinstance(event, ev.Confirm) and data.pages_seen >= last:
            data.shown_sha256 = rules.shown_sha256(data.shown_rows)
            data.confirmed_at = now
            return NEXT
        elif isinstance(event, ev.Dispute):
            return request_correction(data, event.fields)
        return STAY


class PledgeStep(Step):
    """The integrity pledge on screen; the candidate copies its key sentence by hand on the
    pad, and the strokes are kept in the record as the pledge copy."""

    name = "pledge"

    def handle(
        self, event: ev.Event, data: SessionData, settings: StepSettings, now: datetime
    ) -> Outcome:
        if isinstance(event, ev.Signed) and event.strokes:
            if record_limits.strokes_problem(event.strokes) is not None:
                return notice(Notice.RECORD_TOO_LARGE)
            data.pledge_strokes, data.pledge_at = event.strokes, now
            return NEXT
        return STAY


STEPS: tuple[type[Step], ...] = (CandidateStep, ProofStep, PledgeStep)
