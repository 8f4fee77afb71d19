"""A migrant worker's child: the county's qualification form (资格审核表) the session asks for
once the record is sealed comes out of a real cupsd queue on A4, through the kiosk's own effect
runner, with the candidate's fields, the point and the county's box; the record says it waits
for the county's approval."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hardware.printer.a4 import open_a4_printer
from hardware.printer.forms_pdf import FontFile
from kiosk.config import Config, DevicesConfig
from kiosk.core import events as ev
from kiosk.core.exception_cases import Case
from kiosk.core.session import Session, SessionSettings
from kiosk.core.staff import StaffMember
from kiosk.core.steps import StepSettings
from kiosk.core.texts import text
from kiosk.core.workflows import get_workflow
from kiosk.effects import EffectRunner
from kiosk.fonts import cjk_font_path
from tests.integration.cupsd_server import PrivateCupsd
from tests.synthetic import resident, standard_photo_jpeg
from tests.unit.test_session import CAPTURE, STROKES, Shell

CLERK = StaffMember(name="测试员", staff_number="T0001", role="staff", county="430102",
                    point="", not_after=datetime(2030, 1, 1, tzinfo=UTC), fingerprint="ab" * 32)


def _squeeze(words: str) -> str:
    return "".join(words.split())


def test_the_county_form_prints_on_a4_from_the_session(private_cupsd: PrivateCupsd,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path):
    monkeypatch.setenv("CUPS_SERVER", str(private_cupsd.socket))
    queue = private_cupsd.add_file_queue()
    shell = Shell()
    forms_asked: list[ev.PrintForm] = []
    run = shell.run
    shell.run = lambda e: forms_asked.append(e) if isinstance(e, ev.PrintForm) else run(e)
    session = Session(
        SessionSettings(get_workflow("collect"),
                        StepSettings(device_id="T-1", point_name="示例县第一中学报名点")),
        run_effect=shell.run, now=lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        monotonic=lambda: shell.clock)
    for event_ in (ev.BeginException(Case.MIGRANT_CHILDREN, CLERK),
                   ev.CardPresented(resident()), ev.Confirm(), CAPTURE, ev.Confirm(),
                   ev.Confirm(), ev.Signed(STROKES)):
        session.handle(event_)
        shell.settle(session)
    (record,) = shell.saved
    assert record.to_payload()["exception"]["flags"] == ["county_approval_pending"]
    (asked,) = forms_asked
    assert session.screen == "form"

    config = Config(data_dir=tmp_path, devices=DevicesConfig(a4=f"cups://{queue.name}"))
    runner = EffectRunner(config, None, None, None, hasher=object(),  # type: ignore[arg-type]
                          a4=open_a4_printer(f"cups://{queue.name}?timeout=30"),
                          font=FontFile(cjk_font_path()))
    data = asked.data.__class__(**{**asked.data.__dict__, "photo_jpeg": standard_photo_jpeg()})
    outcome = runner.run(ev.PrintForm(asked.session_id, asked.form, data))
    assert outcome == ev.Printed(asked.session_id)
    session.handle(outcome)
    shell.settle(session)
    assert session.screen == "done"

    printed = tmp_path / "printed.pdf"
    printed.write_bytes(queue.read())  # what cupsd wrote
    got = _squeeze(subprocess.run(["pdftotext", str(printed), "-"], check=True,
                                  capture_output=True, text=True).stdout)
    person = resident()
    for words in (text("form_migrant_title", "zh"), person.name, "示例县第一中学报名点",
                  text("migrant_step_county", "zh")):
        assert _squeeze(words) in got, words
    assert person.id_number not in got  # masked on paper, as on screen
    size = subprocess.run(["pdfinfo", str(printed)], check=True, capture_output=True,
                          text=True).stdout
    assert "(A4)" in size, size
