"""The second visits (`confirm`, `adult-confirm`) driven through the session machine, with a
candidate lookup that answers from a dict (the Protocol's contract: a registration or None)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core import events as ev
from kiosk.core import forms
from kiosk.core.candidates import OnlineRegistration
from kiosk.core.confirmation import age_on, pages, shown_bytes
from kiosk.core.documents import CardType
from kiosk.core.notices import Notice
from kiosk.core.record import Signature
from kiosk.core.session import ATTRACT, NOTICE, Session, SessionSettings
from kiosk.core.steps import StepSettings
from kiosk.core.workflows import get_workflow
from tests.synthetic import resident

STROKES = (((0.1, 0.5, 0.0), (0.5, 0.6, 0.1), (0.9, 0.4, 0.2)),)
PLEDGE = (((0.1, 0.2, 0.0), (0.3, 0.4, 0.1)), ((0.5, 0.5, 0.3), (0.7, 0.5, 0.4)))
NOW = datetime(2026, 9, 3, 2, 0, tzinfo=UTC)
POINT = "430102001"
ONLINE = {"candidate_category": "城市应届", "subject_track": "物理类", "school": "示例中学"}
ADULT_ONLINE = {"exam_level": "专升本", "subject_track": "理工类"}


def registration(doc, exam="gaokao", **kw) -> OnlineRegistration:
    return OnlineRegistration(
        exam=exam, id_number=doc.id_number, fields=kw.pop("fields", ONLINE if exam == "gaokao"
                                                          else ADULT_ONLINE),
        point_code=kw.pop("point_code", POINT), first_sequence_number="43010042", **kw)


class Shell:
    """Carries out effects at once; the lookup answers from `known`."""

    def __init__(self, known: dict[str, OnlineRegistration]) -> None:
        self.known = known
        self.pending: list[ev.Effect] = []
        self.saved, self.printed, self.corrections, self.reserved = [], [], [], 0

    def run(self, effect: ev.Effect) -> None:
        self.pending.append(effect)

    def settle(self, session: Session) -> None:
        while self.pending:
            e = self.pending.pop(0)
            if isinstance(e, ev.FindCandidate):
                session.handle(ev.CandidateFound(e.session_id, self.known.get(e.id_number)))
            elif isinstance(e, ev.ReserveNumber):
                self.reserved += 1
                session.handle(ev.NumberReserved(e.session_id, "43019999"))
            elif isinstance(e, ev.EncodePhoto):
                session.handle(ev.PhotoTaken(e.session_id, b"\xff\xd8jpeg"))
            elif isinstance(e, ev.RenderSignature):
                session.handle(ev.SignatureRendered(e.session_id, Signature(b"\x89PNG", e.strokes)))
            elif isinstance(e, ev.SaveRecord):
                self.saved.append(e.record)
                session.handle(ev.RecordSaved(e.session_id))
            elif isinstance(e, ev.PrintForm):
                self.printed.append(e)
                session.handle(ev.Printed(e.session_id))


def make(known, workflows=("confirm",), open_now=None, **step):
    shell = Shell(known)
    flows = [get_workflow(n) for n in workflows]
    settings = StepSettings(device_id="T-1", point_code=POINT, point_name="芙蓉区示例报名点",
                            **step)
    session = Session(SessionSettings(flows[0], settings, others=tuple(flows[1:])),
                      run_effect=shell.run, now=lambda: NOW,
                      open_workflows=(lambda: open_now) if open_now is not None else None)
    return shell, session


def send(shell, session, *events):
    for event in events:
        session.handle(event)
        shell.settle(session)


def page_through(shell, session):
    per_page = session.settings.step.proof_rows_per_page
    while session.data.pages_seen < pages(len(session.data.shown_rows), per_page) - 1:
        send(shell, session, ev.Turn())


def test_confirm_shows_every_field_and_records_the_hash_of_what_was_shown():
    doc = resident()
    shell, session = make({doc.id_number: registration(doc)})
    send(shell, session, ev.CardPresented(doc), ev.Confirm())
    assert session.screen == "proof"
    shown = session.data.shown_rows
    assert {"name", "id_number", "sequence_number", "school", "subject_track"} <= {
        r.key for r in shown}
    assert next(r.value for r in shown if r.key == "sequence_number") == "43010042"
    send(shell, session, ev.Confirm())
    assert session.screen == "proof", "confirmed before every page was seen"
    page_through(shell, session)
    send(shell, session, ev.Confirm(), ev.Signed(STROKES))
    assert session.screen == "done"
    (record,) = shell.saved
    c = record.confirmation
    assert record.workflow == "confirm" and record.sequence_number == "43010042"
    assert not record.spends_number and shell.reserved == 0
    assert record.photo_jpeg is None and record.initial_password is None
    assert c.first_sequence_number == "43010042" and c.exam == "gaokao"
    assert c.shown_rows == tuple((r.key, r.label, r.value) for r in shown)
    # The province recomputes the hash from the rows the payload carries.
    payload = json.loads(record.payload_bytes())["confirmation"]
    again = json.dumps(payload["shown_rows"], ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(again.encode()).hexdigest() == c.shown_sha256 == payload["shown_sha256"]
    (printed,) = shell.printed
    assert printed.form is forms.REGISTRATION
    assert printed.data.signature_strokes == STROKES and printed.data.sequence_number == "43010042"


def test_the_hash_changes_with_any_shown_value():
    a = [forms.Row("school", "毕业学校", "示例中学")]
    b = [forms.Row("school", "毕业学校", "示例二中")]
    assert shown_bytes(a) != shown_bytes(b)


def test_proof_table_pages_forward_and_back_within_bounds():
    doc = resident()
    shell, session = make({doc.id_number: registration(doc)}, proof_rows_per_page=3)
    send(shell, session, ev.CardPresented(doc), ev.Confirm())
    count = pages(len(session.data.shown_rows), 3)
    assert count > 2
    send(shell, session, ev.Turn(forward=False))
    assert session.data.page == 0
    for _ in range(count + 2):
        send(shell, session, ev.Turn())
    assert session.data.page == count - 1
    send(shell, session, ev.Turn(forward=False))
    assert session.data.page == count - 2
    send(shell, session, ev.Confirm())
    assert session.screen == "sign", "every page was seen once"


def test_no_registration_asks_staff_and_keeps_nothing():
    shell, session = make({})
    send(shell, session, ev.CardPresented(resident()), ev.Confirm())
    assert (session.screen, session.notice_code) == (NOTICE, Notice.CANDIDATE_NOT_FOUND)
    assert session.data is None and not shell.saved


def test_someone_elses_registration_is_not_shown():
    doc, other = resident(), resident(birth_date=date(2008, 1, 2))
    shell, session = make({doc.id_number: registration(other)})
    send(shell, session, ev.CardPresented(doc), ev.Confirm())
    assert session.notice_code is Notice.CANDIDATE_NOT_FOUND


def test_a_correction_request_calls_staff_who_mark_it_for_the_province_and_it_goes_on():
    doc = resident()
    shell, session = make({doc.id_number: registration(doc)})
    send(shell, session, ev.CardPresented(doc), ev.Confirm(), ev.Dispute(("school",)))
    assert session.screen == "proof" and session.data.dispute is not None
    assert session.data.dispute.fields == ("school",)
    send(shell, session, ev.Confirm(), ev.Turn())
    assert session.data.dispute is not None, "only staff's answer moves a called session on"
    send(shell, session, ev.ResolveDispute("correct"))
    assert session.data.dispute is not None, "the online data is not staff's to correct here"
    send(shell, session, ev.ResolveDispute("central"))
    assert session.screen == "sign"
    send(shell, session, ev.Signed(STROKES))
    (record,) = shell.saved
    assert record.exception.central_correction == ("school",)
    assert record.confirmation.shown_sha256 == rules_sha(record.confirmation.shown_rows)


def test_a_correction_request_staff_end_leaves_nothing():
    doc = resident()
    shell, session = make({doc.id_number: registration(doc)})
    send(shell, session, ev.CardPresented(doc), ev.Confirm(), ev.Dispute())
    send(shell, session, ev.ResolveDispute("end"))
    assert (session.screen, session.notice_code) == (NOTICE, Notice.DATA_DISPUTED)
    assert not shell.saved


def rules_sha(rows):
    from kiosk.core.confirmation import shown_sha256
    from kiosk.core.forms import Row

    return shown_sha256(tuple(Row(k, label, v) for k, label, v in rows))


def adult_walk(shell, session, doc):
    send(shell, session, ev.CardPresented(doc), ev.Confirm())


def test_adult_confirm_collects_photo_pledge_and_prints_the_flow_sheet():
    doc = resident(birth_date=date(2000, 5, 17))
    shell, session = make({doc.id_number: registration(doc, "adult")}, ("adult-confirm",))
    adult_walk(shell, session, doc)
    assert session.screen == "photo"
    send(shell, session, ev.Capture(object(), None), ev.Confirm())
    assert session.screen == "pledge"
    send(shell, session, ev.Signed(()))
    assert session.screen == "pledge", "an empty pad is no copy"
    send(shell, session, ev.Signed(PLEDGE))
    assert session.screen == "check"
    assert {"exam_level", "subject_track"} <= {r.key for r in session.data.shown_rows}
    send(shell, session, ev.Confirm(), ev.Signed(STROKES))
    assert session.screen == "done" and shell.reserved == 0
    (record,) = shell.saved
    c = record.confirmation
    assert c.exam == "adult" and c.pledge_strokes == PLEDGE and not c.city_review
    assert record.photo_jpeg == b"\xff\xd8jpeg" and c.shown_sha256
    (printed,) = shell.printed
    assert printed.form is forms.ADULT_FLOW and printed.data.photo_jpeg == b"\xff\xd8jpeg"


def test_adult_with_a_permit_is_flagged_for_the_citys_review():
    doc = resident(card_type=CardType.PERMIT_HMT, birth_date=date(2000, 5, 17),
                   nation=None)
    shell, session = make({doc.id_number: registration(doc, "adult")}, ("adult-confirm",))
    adult_walk(shell, session, doc)
    send(shell, session, ev.Capture(object(), None), ev.Confirm(), ev.Signed(PLEDGE),
         ev.Confirm(), ev.Signed(STROKES))
    (record,) = shell.saved
    assert record.confirmation.city_review


def test_adult_at_another_point_is_told_which_point_they_chose():
    doc = resident(birth_date=date(2000, 5, 17))
    reg = registration(doc, "adult", point_code="430203002")
    shell, session = make({doc.id_number: reg}, ("adult-confirm",))
    adult_walk(shell, session, doc)
    assert (session.screen, session.notice_code) == (NOTICE, Notice.WRONG_POINT)
    assert session.notice_values == {"point": "430203002"}


def test_minor_only_at_a_point_designated_for_minors():
    doc = resident(birth_date=date(2010, 1, 1))  # 16 on the exam date below
    reg = registration(doc, "adult")
    shell, session = make({doc.id_number: reg}, ("adult-confirm",),
                          adult_exam_date=date(2026, 10, 24))
    adult_walk(shell, session, doc)
    assert session.notice_code is Notice.MINOR_NOT_DESIGNATED
    shell, session = make({doc.id_number: reg}, ("adult-confirm",),
                          adult_exam_date=date(2026, 10, 24), designations=frozenset({"minor"}))
    adult_walk(shell, session, doc)
    assert session.screen == "photo"


def test_the_provinces_minor_flag_counts_without_an_exam_date():
    doc = resident(birth_date=date(2000, 5, 17))
    shell, session = make({doc.id_number: registration(doc, "adult", minor=True)},
                          ("adult-confirm",))
    adult_walk(shell, session, doc)
    assert session.notice_code is Notice.MINOR_NOT_DESIGNATED


def test_medical_track_only_at_a_medical_point():
    doc = resident(birth_date=date(2000, 5, 17))
    reg = registration(doc, "adult", medical_track=True)
    shell, session = make({doc.id_number: reg}, ("adult-confirm",),
                          designations=frozenset({"minor"}))
    adult_walk(shell, session, doc)
    assert session.notice_code is Notice.MEDICAL_NOT_DESIGNATED


def test_age_on_counts_whole_years():
    assert age_on(date(2009, 10, 24), date(2026, 10, 24)) == 17
    assert age_on(date(2009, 10, 25), date(2026, 10, 24)) == 16


def test_several_open_workflows_a_card_waits_for_the_choice():
    doc = resident()
    shell, session = make({doc.id_number: registration(doc)}, ("collect", "confirm"))
    session.tick()  # the attract screen asks the gate
    assert session.offered == ("collect", "confirm")
    send(shell, session, ev.CardPresented(doc))
    assert session.screen == ATTRACT and session.choosing
    send(shell, session, ev.Start("confirm"))
    assert session.screen == "identity" and session.data.workflow == "confirm"


def test_only_one_open_a_card_goes_straight_to_it():
    doc = resident()
    shell, session = make({doc.id_number: registration(doc)}, ("collect", "confirm"),
                          open_now=("confirm",))
    session.tick()
    send(shell, session, ev.CardPresented(doc))
    assert session.screen == "identity" and session.data.workflow == "confirm"


def test_schedule_offers_the_workflows_open_now_and_names_the_soonest_opening():
    from datetime import time

    from kiosk.core.schedule import Closed, StartRules, Window, machine_refusal, open_workflows

    # 2026-09-03 10:00 in China; confirm's window is open, collect's opens on the 5th.
    rules = StartRules(windows={
        "confirm": (Window(date(2026, 9, 2), date(2026, 9, 11), ((time(8), time(12)),)),),
        "collect": (Window(date(2026, 9, 5), date(2026, 9, 6), ((time(8), time(12)),)),),
    })
    assert open_workflows(rules, ("collect", "confirm"), NOW) == ("confirm",)
    assert machine_refusal(rules, ("collect", "confirm"), "4301", NOW) is None
    closed = machine_refusal(rules, ("collect",), "4301", NOW)
    assert closed.reason is Closed.OUTSIDE_WINDOW and closed.next_opening.day == 5


@given(st.lists(st.tuples(st.text(), st.text(), st.text()), max_size=20))
def test_shown_bytes_are_json_the_province_reads_back_row_for_row(triples):
    rows = [forms.Row(*t) for t in triples]
    assert json.loads(shown_bytes(rows)) == [list(t) for t in triples]
