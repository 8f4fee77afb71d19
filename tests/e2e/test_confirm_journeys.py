"""The second visits end to end: a Kivy window on Xvfb, the simulated card reader on a pty and
camera, the A4 forms through a private cupsd, the sealed record uploaded to the reference API
and opened there.

The candidates' online registrations come from a STAND-IN lookup (tests/candidates_standin.py)
until the kiosk's own lookup (the API, else the roster) is on main.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from devtools.play import STANDIN_CANDIDATES
from hardware.idcard.sim import card_file
from kiosk.core import forms
from kiosk.core.candidates import OnlineRegistration
from kiosk.core.texts import text
from tests import candidates_standin
from tests.e2e.test_journey import open_record, saved_events
from tests.integration.cupsd_server import CupsdError, FileQueue, PrivateCupsd

POINT, OTHER_POINT = "430102001", "430203002"
POINT_NAME = "芙蓉区示例确认点"
GAOKAO = {"candidate_category": "城市应届", "subject_track": "物理类", "school": "长沙市示例中学"}
ADULT = {"exam_level": "专升本", "subject_track": "理工类", "school": "示例职业技术学院"}


def card(name: str) -> dict:
    return json.loads(card_file(name).read_text(encoding="utf-8"))


def registration(card_name: str, exam: str, **kw) -> OnlineRegistration:
    return OnlineRegistration(exam=exam, id_number=card(card_name)["id_number"],
                              fields=GAOKAO if exam == "gaokao" else ADULT,
                              point_code=kw.pop("point_code", POINT),
                              first_sequence_number=kw.pop("number", "43010042"), **kw)


# Who is who: resident-valid confirms both exams; the long-term card chose another point; the
# permit holder is a minor by the province's flag.
CANDIDATES = [
    registration("resident-valid", "gaokao"),
    registration("resident-valid", "adult", number="26430100017"),
    registration("resident-long-term", "adult", point_code=OTHER_POINT),
    registration("permit-hmt", "adult", minor=True),
]


@pytest.fixture(scope="module")
def cupsd() -> Iterator[PrivateCupsd]:
    try:
        server = PrivateCupsd().start()
    except CupsdError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def second_visit_kiosk(make_kiosk, api_server, cupsd, tmp_path, monkeypatch):
    """A kiosk running both second visits at POINT (designated for neither minors nor the
    medical track), its A4 queue, and the stand-in's registrations."""
    queue = cupsd.add_file_queue()
    monkeypatch.setenv("CUPS_SERVER", str(cupsd.socket))
    monkeypatch.setenv(STANDIN_CANDIDATES, str(
        candidates_standin.write(tmp_path / "candidates.json", CANDIDATES)))
    kiosk = make_kiosk(api_server, session={"workflows": ["confirm", "adult-confirm"]},
                       device={"point": POINT}, point={"name": POINT_NAME},
                       devices={"a4": f"cups://{queue.name}?timeout=60"})
    return kiosk, queue


def _squeeze(words: str) -> str:
    return "".join(words.split())


def printed_text(queue: FileQueue, tmp_path: Path, name: str) -> str:
    """What came out of the queue (not what was sent), as pdftotext reads it; the first page
    is rendered to PNG beside it for a person to look at."""
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(queue.read())
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / name)], check=True, capture_output=True, timeout=60)
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def assert_form_says(got: str, form: forms.Form, payload: dict) -> None:
    """Every row the record says was confirmed is on the paper (label and value), and the
    form's title; the full ID number is not."""
    got = _squeeze(got)
    assert _squeeze(text(form.title, "zh")) in got
    shown = {key: value for key, _label, value in payload["confirmation"]["shown_rows"]}
    for key in form.fields:
        if key in shown and key != "form_date":
            assert _squeeze(shown[key]) in got, key
    assert payload["identity"]["id_number"] not in got


# Each panel size plays both journeys in one kiosk window; the queue keeps the last form.
SIZES = {
    "1920x1080": ("second-visits", forms.ADULT_FLOW),
    "1080x1920": ("second-visits", forms.ADULT_FLOW),
    "1280x800": ("second-visits-adult-first", forms.REGISTRATION),
}


@pytest.mark.parametrize("size", list(SIZES))
def test_both_journeys_print_their_forms_and_the_province_opens_what_was_confirmed(
        second_visit_kiosk, api_server, tmp_path, size):
    kiosk, queue = second_visit_kiosk
    script, last_form = SIZES[size]
    shots = tmp_path / "shots"
    result = kiosk.play(script, "--size", size, "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    width, height = (int(v) for v in size.split("x"))
    names = [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))]
    assert {"attract-choose", "proof-1", "proof-2", "pledge", "check", "sign", "done"} <= set(
        names)
    for shot in shots.glob("*.png"):
        with Image.open(shot) as img:
            assert img.size == (width, height)

    assert kiosk.upload_once().returncode == 0
    records = {}
    for saved in saved_events(kiosk, "record.saved"):
        payload = open_record(api_server, kiosk, saved["record_id"])
        records[payload["workflow"]] = payload
    confirm, adult = records["confirm"], records["adult-confirm"]
    holder = card("resident-valid")
    assert confirm["identity"]["id_number"] == adult["identity"]["id_number"] == holder[
        "id_number"]

    c = confirm["confirmation"]
    assert c["first_sequence_number"] == confirm["sequence_number"] == "43010042"
    rows = json.dumps(c["shown_rows"], ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(rows.encode()).hexdigest() == c["shown_sha256"]
    shown = {key: value for key, _label, value in c["shown_rows"]}
    assert shown["school"] == GAOKAO["school"] and shown["point"] == POINT_NAME
    assert confirm["photo_jpeg"] is None and confirm["initial_password"] is None
    assert kiosk.status()["sequence"]["used"] == 0, "a second visit spends no number"

    a = adult["confirmation"]
    assert a["exam"] == "adult" and a["first_sequence_number"] == "26430100017"
    assert not a["city_review"] and len(a["pledge_strokes"]) == 2
    assert len(adult["signature_strokes"]) == 2
    assert int(adult["photo_jpeg"].strip("<> bytes")) > 20 * 1024
    assert {"exam_level", "subject_track"} <= {key for key, _l, _v in a["shown_rows"]}

    got = printed_text(queue, tmp_path, last_form.name)
    assert_form_says(got, last_form, records["adult-confirm" if last_form is forms.ADULT_FLOW
                                               else "confirm"])
    for step in last_form.steps:
        assert _squeeze(text(step, "zh")) in _squeeze(got)


def test_wrong_point_minor_correction_and_an_unprinted_form_each_say_what_to_do(
        second_visit_kiosk, cupsd, tmp_path):
    """A candidate at the point they did not choose, a minor at a point not designated for
    minors and a correction request each end with their notice, which says what to do (the
    point chosen by its code), and leave no record; with the A4 queue stopped the signed
    record is kept and staff see the A4 printer's alert (the script checks the screen)."""
    kiosk, queue = second_visit_kiosk
    cupsd.run("cupsdisable", queue.name)
    shots = tmp_path / "shots"
    assert kiosk.play("second-visit-refusals", "--shots", str(shots)).returncode == 0, (
        kiosk.log_tail())
    assert kiosk.status()["records"]["queued"] == 1, "only the signed confirmation is kept"
    events = kiosk.log_events()
    assert [e.get("event") for e in events].count("candidate.correction_requested") == 1
    said = {e["label"]: e["texts"] for e in events if e.get("event") == "autoplay.screen_text"}
    assert set(said) == {"wrong_point", "minor_not_designated", "correction_requested"}
    assert OTHER_POINT in said["wrong_point"]["message"], "the notice names the point chosen"
    assert any(e.get("event") == "health.printer" and e.get("alert") == "staff_a4_printer_fault"
               for e in events)
    log = kiosk.log.read_text(encoding="utf-8")
    assert card("resident-valid")["name"] not in log and GAOKAO["school"] not in log
