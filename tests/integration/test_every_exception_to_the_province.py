"""Every row of the plans' exception table runs to a record at the province with its flags:
damaged, expired and missing cards, another document (a passport), a candidate who cannot
come (confirmed by phone), migrant workers' children (disputes: tests/e2e/test_exceptions.py).
The session machine drives each case as staff and candidate would; its effects run through
the kiosk's own EffectRunner (number reservation, signature picture, sealing, the outbox, the
simulated receipt printer); the real `kiosk-uploader` sends them to the reference server on
loopback and `provincial-api open` reads them back.

The screens of these paths are exercised under Xvfb in tests/e2e/test_exceptions.py; the photo
pipeline in its own tests (here a drawn standard photo stands in for the camera's)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from hardware.printer.factory import open_printer
from kiosk import seal
from kiosk.config import load_config
from kiosk.core import events as ev
from kiosk.core.documents import CardType, Sex
from kiosk.core.exception_cases import ApprovalPolicy, Case
from kiosk.core.hand_entry import EntryForm
from kiosk.core.idnumber import make_number
from kiosk.core.session import ATTRACT, Session, SessionSettings
from kiosk.core.staff import StaffMember
from kiosk.core.steps import StepSettings
from kiosk.core.workflows import get_workflow
from kiosk.effects import EffectRunner
from kiosk.fonts import cjk_font_path
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from tests.integration.processes import Server, console_script, write_kiosk_config
from tests.synthetic import resident, standard_photo_jpeg

STROKES = (((0.1, 0.5, 0.0), (0.5, 0.6, 0.1), (0.9, 0.4, 0.2)),)
BORN = date(2008, 5, 17)


def _member(role: str, number: str, fp: str) -> StaffMember:
    return StaffMember(name="测试员", staff_number=number, role=role, county="430102", point="",
                       not_after=datetime(2030, 1, 1, tzinfo=UTC), fingerprint=fp * 32)


CLERK, BOSS = _member("staff", "S0001", "aa"), _member("supervisor", "S0009", "bb")


@dataclass
class Kiosk:
    """The core session with the kiosk's effect runner; photos drawn, not photographed."""

    session: Session
    runner: EffectRunner
    queue: list[ev.Effect]

    def send(self, event: ev.Event) -> None:
        self.session.handle(event)
        while self.queue:
            effect = self.queue.pop(0)
            if isinstance(effect, ev.EncodePhoto):
                outcome: ev.EffectOutcome = ev.PhotoTaken(effect.session_id,
                                                          standard_photo_jpeg())
            else:
                outcome = self.runner.run(effect)
            assert not isinstance(outcome, ev.EffectFailed), outcome
            self.session.handle(outcome)

    def walk(self, *events: ev.Event) -> None:
        for e in events:
            self.send(e)


def _hand_entry(card_type: CardType, number: str, **more: object) -> EntryForm:
    values: dict[str, object] = dict(card_type=card_type, name="测试丁", sex=Sex.FEMALE,
                                     nation="01", birth_date=BORN, id_number=number)
    values.update(more)
    return EntryForm(**values)  # type: ignore[arg-type]


RESIDENT_NUMBER = make_number("430102", BORN, 41, male=False)
CAPTURE = ev.Capture(image=object(), analysis=None)
SIGNED = (CAPTURE, ev.Confirm(), ev.Confirm(), ev.Signed(STROKES))

# case → what staff type; the flags and "afterwards" the province should read back
HAND_CASES = {
    Case.CARD_DAMAGED: (_hand_entry(CardType.RESIDENT, RESIDENT_NUMBER),
                        ["entered_by_hand", "city_review", "come_back_with_card"]),
    Case.CARD_EXPIRED: (_hand_entry(CardType.RESIDENT, RESIDENT_NUMBER),
                        ["entered_by_hand", "city_review", "come_back_with_card"]),
    Case.NO_CARD_YET: (_hand_entry(CardType.RESIDENT, RESIDENT_NUMBER),
                       ["entered_by_hand", "city_review", "come_back_with_card"]),
    Case.OTHER_DOCUMENT: (_hand_entry(CardType.PASSPORT, "E12345678", nation=""),
                          ["entered_by_hand", "city_review", "document_copy_taken"]),
}


def _open(server: Server, kiosk_config: Path, record_id: str) -> tuple[dict, str]:
    key = load_config(kiosk_config).keys_dir / seal.DEV_PROVINCE_PRIVATE_KEY_FILE
    out = subprocess.run(
        [console_script("provincial-api"), "open", record_id, "--key", str(key),
         "--db", str(server.db)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr[-500:]
    return json.loads(out.stdout), out.stderr.strip()


def test_each_case_of_the_exception_table_reaches_the_province_with_its_flags(
        tmp_path: Path, provincial_server: Server):
    env = write_kiosk_config(tmp_path, provincial_server.url,
                             receipt_key=provincial_server.receipt_public_key)
    config = load_config(env.config_path)
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id)
    saved: dict[str, str] = {}  # case → record id
    with KioskStore(config.database_path) as store:
        runner = EffectRunner(config, store, sealer,
                              open_printer("sim://", config.sim_dir, cjk_font_path()))
        queue: list[ev.Effect] = []
        settings = StepSettings(device_id=config.device.id, point_name="示例县第一中学报名点",
                                approval=ApprovalPolicy())
        session = Session(SessionSettings(get_workflow("collect"), settings),
                          run_effect=queue.append)
        kiosk = Kiosk(session, runner, queue)

        def record_of(case: str) -> None:
            assert session.screen == "done", (case, session.screen)
            saved[case] = session.data.record_id
            kiosk.send(ev.Dismiss())
            assert session.screen == ATTRACT

        for case, (form, _flags) in HAND_CASES.items():
            kiosk.walk(ev.BeginException(case, CLERK), ev.StaffEntry(form), *SIGNED)
            assert session.screen == "approve" and session.data.pending_record is not None
            kiosk.send(ev.Approve(BOSS))
            record_of(case.value)

        # A candidate who cannot come: entered, read back by phone, approved; no photo.
        kiosk.walk(ev.BeginException(Case.CANNOT_COME, CLERK),
                   ev.StaffEntry(_hand_entry(CardType.RESIDENT, RESIDENT_NUMBER)),
                   ev.Confirm(), ev.PhoneConfirmed(CLERK), ev.Approve(BOSS))
        record_of(Case.CANNOT_COME.value)

        # A migrant child's card is read as usual (the county's form is tested with cupsd in
        # test_migrant_form.py: here the runner has no A4 printer, so staff print it later).
        kiosk.walk(ev.BeginException(Case.MIGRANT_CHILDREN, CLERK),
                   ev.CardPresented(resident(name="测试戊")), ev.Confirm(), *SIGNED[:-1])
        session.handle(ev.Signed(STROKES))
        while queue:
            effect = queue.pop(0)
            outcome = runner.run(effect)
            if isinstance(effect, ev.PrintForm):
                assert isinstance(outcome, ev.EffectFailed)  # no A4 printer here
                session.handle(outcome)
                kiosk.send(ev.Dismiss())  # "staff print it later"
            else:
                kiosk.session.handle(outcome)
        record_of(Case.MIGRANT_CHILDREN.value)

    upload = subprocess.run([console_script("kiosk-uploader"), "--once"], env=env.env(),
                            capture_output=True, text=True, timeout=60)
    assert upload.returncode == 0, upload.stdout[-2000:]
    with KioskStore(config.database_path) as store:
        assert store.outbox.counts_by_state()["acknowledged"] == len(saved) == 6

    for case, (_form, flags) in HAND_CASES.items():
        payload, review = _open(provincial_server, env.config_path, saved[case.value])
        block = payload["exception"]
        assert (block["case"], block["flags"]) == (case.value, flags), case
        assert block["entered_by"]["staff_number"] == "S0001"
        assert block["approved_by"]["staff_number"] == "S0009"
        assert payload["identity"]["entered_by_hand"] is True
        assert payload["photo_jpeg"].startswith("<") and payload["signature_png"].startswith("<")
        assert review == f"exception: {case.value}; flags: {', '.join(flags)}"
    passport, _ = _open(provincial_server, env.config_path, saved["other_document"])
    assert passport["identity"]["card_type"] == CardType.PASSPORT.value
    assert passport["exception"]["document_copy_taken"] is True

    absent, review = _open(provincial_server, env.config_path, saved["cannot_come"])
    assert absent["exception"]["flags"] == ["entered_by_hand", "come_back_with_card",
                                            "confirmed_by_phone"]
    assert absent["photo_jpeg"] is None and absent["signature_png"] is None
    assert absent["exception"]["approved_by"]["staff_number"] == "S0009"
    assert absent["exception"]["phoned_by"]["staff_number"] == "S0001"

    migrant, _ = _open(provincial_server, env.config_path, saved["migrant_children"])
    assert migrant["exception"]["flags"] == ["county_approval_pending"]
    assert not migrant["identity"].get("entered_by_hand")  # read from the chip
