"""The exception paths through the session machine: staff start a case, enter the document,
the candidate does photo, check and sign, a supervisor approves, and the record says so."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.core import events as ev
from kiosk.core.documents import CardType, Sex
from kiosk.core.exception_cases import ApprovalPolicy, Case
from kiosk.core.hand_entry import EntryForm
from kiosk.core.idnumber import make_number
from kiosk.core.notices import Notice
from kiosk.core.session import ATTRACT, NOTICE, Session, SessionSettings
from kiosk.core.staff import StaffMember
from kiosk.core.steps import StepSettings
from kiosk.core.workflows import get_workflow
from tests.synthetic import resident
from tests.unit.test_session import CAPTURE, STROKES, Shell

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
BORN = resident().birth_date


class FormShell(Shell):
    """The test shell, also printing A4 forms."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.forms = []
        self.form_queue: list[ev.PrintForm] = []

    def run(self, effect: ev.Effect) -> None:
        if isinstance(effect, ev.PrintForm):
            self.form_queue.append(effect)
        else:
            super().run(effect)

    def settle(self, session: Session) -> None:
        super().settle(session)
        while self.form_queue:
            effect = self.form_queue.pop(0)
            if "PrintForm" in self.fail:
                session.handle(ev.EffectFailed(effect.session_id, "PrintForm",
                                               self.fail["PrintForm"]))
            else:
                self.forms.append(effect)
                session.handle(ev.Printed(effect.session_id))
            super().settle(session)


def member(role="staff", number="S0001", fp="aa") -> StaffMember:
    return StaffMember(name="测试员", staff_number=number, role=role, county="430102",
                       point="", not_after=datetime(2030, 1, 1, tzinfo=UTC),
                       fingerprint=fp * 32)


CLERK, BOSS = member(), member("supervisor", "S0009", "bb")


def make(same_person=False, fail=None):
    shell = FormShell(fail=fail)
    settings = StepSettings(device_id="T-1", point_name="测试报名点",
                            approval=ApprovalPolicy(same_person_may_approve=same_person))
    session = Session(SessionSettings(get_workflow("collect"), settings), run_effect=shell.run,
                      now=lambda: NOW, monotonic=lambda: shell.clock)
    return shell, session


def send(shell, session, event):
    session.handle(event)
    shell.settle(session)


def entry(**overrides) -> EntryForm:
    values = dict(card_type=CardType.RESIDENT, name="测试乙", sex=Sex.FEMALE, nation="01",
                  birth_date=BORN, id_number=make_number("430102", BORN, 37, male=False))
    values.update(overrides)
    return EntryForm(**values)


def to_approval(shell, session, case=Case.CARD_EXPIRED, form=None):
    send(shell, session, ev.BeginException(case, CLERK))
    assert session.screen == "entry" and session.data.exception.case is case
    send(shell, session, ev.StaffEntry(form or entry()))
    assert session.screen == "photo"
    send(shell, session, CAPTURE)
    send(shell, session, ev.Confirm())
    assert session.screen == "check"
    send(shell, session, ev.Confirm())
    send(shell, session, ev.Signed(STROKES))
    assert session.screen == "approve"


def test_an_expired_card_entered_by_hand_is_sealed_only_once_a_supervisor_approves():
    shell, session = make()
    to_approval(shell, session)
    assert shell.saved == [] and session.data.pending_record is not None
    send(shell, session, ev.Approve(member("staff", "S0002", "cc")))
    assert session.data.approval_problem == "approval_not_supervisor" and shell.saved == []
    send(shell, session, ev.Approve(BOSS))
    assert session.screen == "done" and len(shell.printed) == 1  # the login card
    (record,) = shell.saved
    block = record.to_payload()["exception"]
    assert block["case"] == "card_expired"
    assert block["flags"] == ["entered_by_hand", "city_review", "come_back_with_card"]
    assert block["entered_by"]["staff_number"] == "S0001"
    assert block["approved_by"]["staff_number"] == "S0009"
    assert record.document.entered_by_hand and record.to_payload()["version"] == 2
    send(shell, session, ev.Dismiss())


def test_whoever_entered_it_may_not_approve_unless_the_config_says_so():
    boss_enters = member("supervisor", "S0009", "bb")
    for allowed, expected in ((False, "approve"), (True, "done")):
        shell, session = make(same_person=allowed)
        send(shell, session, ev.BeginException(Case.CARD_DAMAGED, boss_enters))
        send(shell, session, ev.StaffEntry(entry()))
        for e in (CAPTURE, ev.Confirm(), ev.Confirm(), ev.Signed(STROKES), ev.Approve(BOSS)):
            send(shell, session, e)
        assert session.screen == expected
        assert len(shell.saved) == (1 if allowed else 0)
        if not allowed:
            assert session.data.approval_problem == "approval_same_person"


def test_a_wrong_entry_stays_on_the_entry_screen_naming_the_field():
    shell, session = make()
    send(shell, session, ev.BeginException(Case.NO_CARD_YET, CLERK))
    send(shell, session, ev.StaffEntry(entry(sex=Sex.MALE)))
    assert session.screen == "entry"
    assert session.data.entry_problem == ("sex", "entry_number_sex")


def test_a_technician_card_starts_no_exception():
    shell, session = make()
    send(shell, session, ev.BeginException(Case.CARD_EXPIRED, member("technician")))
    assert session.screen == ATTRACT


def test_cancel_before_approval_seals_nothing_and_the_next_candidate_gets_the_usual_workflow():
    shell, session = make()
    to_approval(shell, session)
    send(shell, session, ev.Cancel())
    assert session.screen == ATTRACT and shell.saved == []
    send(shell, session, ev.Start())
    assert session.screen == "card" and session.data.exception is None


def test_a_migrant_child_gets_the_county_form_and_a_record_pending_the_county():
    shell, session = make()
    send(shell, session, ev.BeginException(Case.MIGRANT_CHILDREN, CLERK))
    assert session.screen == "card"
    for e in (ev.CardPresented(resident()), ev.Confirm(), CAPTURE, ev.Confirm(), ev.Confirm(),
              ev.Signed(STROKES)):
        send(shell, session, e)
    (record,) = shell.saved
    assert record.to_payload()["exception"]["flags"] == ["county_approval_pending"]
    (printed,) = shell.forms
    assert printed.form.name == "migrant" and printed.data.point == "测试报名点"
    assert printed.data.sequence_number == record.sequence_number
    assert session.screen == "done"


def test_a_form_that_does_not_print_may_be_printed_again():
    shell, session = make(fail={"PrintForm": "a4_offline"})
    send(shell, session, ev.BeginException(Case.MIGRANT_CHILDREN, CLERK))
    for e in (ev.CardPresented(resident()), ev.Confirm(), CAPTURE, ev.Confirm(), ev.Confirm(),
              ev.Signed(STROKES)):
        send(shell, session, e)
    assert session.screen == "form" and session.data.form_failed == "a4_offline"
    shell.fail.clear()
    send(shell, session, ev.Retake())
    assert session.screen == "done" and len(shell.forms) == 1


def test_not_me_calls_staff_and_only_staff_end_it():
    shell, session = make()
    send(shell, session, ev.CardPresented(resident()))
    send(shell, session, ev.Dispute())
    assert session.screen == "identity" and session.data.dispute.kind == "not_me"
    send(shell, session, ev.Confirm())  # the candidate cannot wave it away
    assert session.screen == "identity"
    send(shell, session, ev.ResolveDispute("central"))  # not offered for "not me"
    assert session.screen == "identity"
    send(shell, session, ev.ResolveDispute("end"))
    assert session.screen == NOTICE and session.notice_code is Notice.IDENTITY_DISPUTED


def test_data_read_from_a_card_is_marked_for_central_correction():
    shell, session = make()
    for e in (ev.CardPresented(resident()), ev.Confirm(), CAPTURE, ev.Confirm()):
        send(shell, session, e)
    send(shell, session, ev.Dispute(("name", "nation")))
    assert session.data.dispute.fields == ("name", "nation")
    send(shell, session, ev.ResolveDispute("correct"))  # a chip's data: not staff's to edit
    assert session.screen == "check" and session.data.dispute is not None
    send(shell, session, ev.ResolveDispute("central"))
    assert session.screen == "sign"
    send(shell, session, ev.Signed(STROKES))
    block = shell.saved[0].to_payload()["exception"]
    assert block["central_correction"] == ["name", "nation"] and block["case"] is None


def test_staff_correct_a_hand_entered_field_and_the_candidate_checks_again():
    shell, session = make()
    send(shell, session, ev.BeginException(Case.CARD_DAMAGED, CLERK))
    send(shell, session, ev.StaffEntry(entry(name="测试乙")))
    for e in (CAPTURE, ev.Confirm()):
        send(shell, session, e)
    number = session.data.sequence_number
    send(shell, session, ev.Dispute(("name",)))
    send(shell, session, ev.ResolveDispute("correct"))
    assert session.screen == "entry" and session.data.correcting
    send(shell, session, ev.StaffEntry(entry(name="测试丙")))
    assert session.screen == "check" and session.data.sequence_number == number
    for e in (ev.Confirm(), ev.Signed(STROKES), ev.Approve(BOSS)):
        send(shell, session, e)
    (record,) = shell.saved
    assert record.document.name == "测试丙"
    assert record.to_payload()["exception"]["corrected_fields"] == ["name"]


def test_an_approval_that_would_push_the_record_over_its_cap_seals_nothing(monkeypatch):
    from kiosk.core import record_limits
    from kiosk.core.exception_steps import ApproveStep

    shell, session = make()
    to_approval(shell, session)
    data = session.data
    signed = len(data.pending_record.payload_bytes())
    # The cap just above the record as signed: the approval's stamp does not fit under it.
    monkeypatch.setattr(record_limits, "MAX_PAYLOAD_BYTES", signed + 40)
    record_limits.check_record(data.pending_record)  # within the cap as signed...
    outcome = ApproveStep().handle(ev.Approve(BOSS), data, session.settings.step, NOW)
    assert outcome.notice is Notice.RECORD_TOO_LARGE  # ...but not once approved
    assert shell.pending == [] and shell.saved == []


def test_a_record_waiting_for_the_supervisor_and_a_call_for_staff_outlast_the_idle_timeout():
    shell, session = make()
    to_approval(shell, session)
    shell.clock += session.settings.idle_timeout_s + 1
    session.tick()
    assert session.screen == "approve"  # the supervisor may take longer than a candidate
    send(shell, session, ev.Cancel())  # staff may still give it up
    assert session.screen == ATTRACT and shell.saved == []

    send(shell, session, ev.CardPresented(resident()))
    send(shell, session, ev.Dispute())
    shell.clock += session.settings.idle_timeout_s + 1
    session.tick()
    assert session.screen == "identity" and session.data.dispute is not None
    send(shell, session, ev.ResolveDispute("end"))
    shell.clock += 1
    session.tick()
    assert session.screen == NOTICE


def test_the_session_wants_staff_at_the_entry_the_approval_and_a_call_only():
    shell, session = make()
    assert not session.wants_staff
    send(shell, session, ev.BeginException(Case.CARD_EXPIRED, CLERK))
    assert session.wants_staff  # the entry
    send(shell, session, ev.StaffEntry(entry()))
    assert not session.wants_staff  # the candidate's photo
    for e in (CAPTURE, ev.Confirm()):
        send(shell, session, e)
    send(shell, session, ev.Dispute(("name",)))
    assert session.wants_staff  # a call
    send(shell, session, ev.ResolveDispute("central"))
    send(shell, session, ev.Signed(STROKES))
    assert session.screen == "approve" and session.wants_staff


def test_a_candidate_who_cannot_come_confirms_by_phone_and_the_record_has_no_photo_or_signature():
    shell, session = make()
    send(shell, session, ev.BeginException(Case.CANNOT_COME, CLERK))
    assert session.workflow.name == "exception-absent"
    send(shell, session, ev.StaffEntry(entry()))
    assert session.screen == "check"  # no photo: it follows when the candidate comes
    send(shell, session, ev.Confirm())
    assert session.screen == "phone" and session.wants_staff
    send(shell, session, ev.PhoneConfirmed(member("technician", "T0001", "dd")))
    assert session.screen == "phone"  # a technician's card may not stand for the candidate
    shell.clock += 600  # ten minutes on the phone: staff's session, not the candidate's
    session.tick()
    assert session.screen == "phone"
    send(shell, session, ev.PhoneConfirmed(BOSS))  # the supervisor takes the call
    assert session.screen == "approve" and shell.saved == []
    send(shell, session, ev.Approve(BOSS))
    assert session.data.approval_problem == "approval_same_person"  # four eyes: not the caller
    send(shell, session, ev.Approve(member("supervisor", "S0010", "ee")))
    assert session.screen == "done"
    (record,) = shell.saved
    payload = record.to_payload()
    assert payload["photo_jpeg"] is None and payload["signature_png"] is None
    assert payload["signature_strokes"] == []
    block = payload["exception"]
    assert block["case"] == "cannot_come" and block["confirmed_by_phone"] is True
    assert block["phoned_by"]["staff_number"] == "S0009"
    assert block["entered_by"]["staff_number"] == "S0001"
    assert block["flags"] == ["entered_by_hand", "come_back_with_card", "confirmed_by_phone"]
    assert session.data.exception.afterwards == ("after_come_back_with_card",
                                                 "after_photo_and_signature")
