"""The second visits end to end: a Kivy window on Xvfb, the simulated card reader on a pty and
camera, the A4 forms through a private cupsd, the reference API on loopback holding the
candidates (`provincial-api candidates import`), the kiosk enrolled at its point with a token
and looking them up with its own lookup (sealed, online; else its roster), the sealed record
uploaded and opened there."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from central_api_client.candidates import Candidate
from devtools.synthetic_candidates import write_csv
from hardware.idcard.sim import card_file
from kiosk.core import forms
from kiosk.core.texts import text
from provincial_api.enrol_cli import DEV_SEAL_KEY_FILE
from provisioning.devrun import BIN, free_port
from tests.e2e.test_journey import saved_events
from tests.integration.cupsd_server import CupsdError, FileQueue, PrivateCupsd

# Points by the name the province's enrolment tokens give them (as candidates chose them).
POINT, OTHER_POINT = "芙蓉区示例确认点", "雨花区示例确认点"
POINT_NAME = POINT
GAOKAO = {"candidate_category": "城市应届", "subject_track": "物理类", "school": "长沙市示例中学",
          "political_status": "共青团员", "foreign_language": "英语"}
ADULT = {"exam_level": "专升本", "subject_track": "理工类", "school": "示例职业技术学院"}


def card(name: str) -> dict:
    return json.loads(card_file(name).read_text(encoding="utf-8"))


def registration(card_name: str, exam: str, **kw) -> Candidate:
    return Candidate(exam=exam, id_number=card(card_name)["id_number"], county_code="4301",
                     point=kw.pop("point", POINT), fields=GAOKAO if exam == "gaokao" else ADULT,
                     first_sequence_number=kw.pop("number", "43010042"), **kw)


# Who is who: resident-valid confirms both exams; the long-term card chose another point; the
# permit holder is a minor by the province's flag.
CANDIDATES = [
    registration("resident-valid", "gaokao"),
    registration("resident-valid", "adult", number="43015017"),
    registration("resident-long-term", "adult", point=OTHER_POINT),
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


def _run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def second_visit_kiosk(make_kiosk, api_server, cupsd, tmp_path, monkeypatch, request):
    """The province holding CANDIDATES; a kiosk enrolled at POINT (designated for neither
    minors nor the medical track) running both second visits, and its A4 queue. Its own
    language is Chinese, or the indirect parameter's."""
    language = getattr(request, "param", "zh")
    csv_path = tmp_path / "candidates.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        write_csv(CANDIDATES, out)
    assert f"imported {len(CANDIDATES)} " in api_server.import_candidates(csv_path)
    queue = cupsd.add_file_queue()
    monkeypatch.setenv("CUPS_SERVER", str(cupsd.socket))
    kiosk = make_kiosk(api_server, session={"workflows": ["confirm", "adult-confirm"]},
                       point={"name": POINT_NAME}, display={"language": language},
                       devices={"a4": f"cups://{queue.name}?timeout=60"})
    token = _run(str(BIN / "provincial-api"), "tokens", "issue", "--county", "4301",
                 "--point", POINT, "--db", str(api_server.db),
                 "--receipt-key", str(api_server.receipt_public_key)).strip()
    monkeypatch.setenv("KIOSK_ENROL_TOKEN", token)
    _run(str(BIN / "kioskctl"), "--simulate", "enrol", "--api", api_server.url, "--config",
         str(kiosk.config))
    monkeypatch.delenv("KIOSK_ENROL_TOKEN")
    return kiosk, queue


def open_record(server, record_id: str) -> dict:
    """`provincial-api open` with the province's key (the development server's sealing pair,
    which enrolment gave the kiosk)."""
    key = server.db.parent / DEV_SEAL_KEY_FILE
    return json.loads(_run(str(BIN / "provincial-api"), "open", record_id, "--key", str(key),
                           "--db", str(server.db)))


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


# The suite walks both journeys at 1920x1080; the portrait and small panels (~45 s each) run
# under -m slow, keeping `make test` within its budget.
@pytest.mark.parametrize("size", [
    size if size == "1920x1080" else pytest.param(size, marks=pytest.mark.slow)
    for size in SIZES
])
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
        payload = open_record(api_server, saved["record_id"])
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
    assert a["exam"] == "adult" and a["first_sequence_number"] == "43015017"
    assert c["source"] == a["source"] == "api"
    assert not a["city_review"] and len(a["pledge_strokes"]) == 2
    assert len(adult["signature_strokes"]) == 2
    assert int(adult["photo_jpeg"].strip("<> bytes")) > 20 * 1024
    assert {"exam_level", "subject_track"} <= {key for key, _l, _v in a["shown_rows"]}

    got = printed_text(queue, tmp_path, last_form.name)
    assert_form_says(got, last_form, records["adult-confirm" if last_form is forms.ADULT_FLOW
                                               else "confirm"])
    for step in last_form.steps:
        assert _squeeze(text(step, "zh")) in _squeeze(got)


@pytest.mark.slow  # ~45 s each
@pytest.mark.parametrize("second_visit_kiosk", ["en"], indirect=True)
@pytest.mark.parametrize("size", list(SIZES))
def test_both_journeys_in_english_fit_every_panel_size(second_visit_kiosk, size, tmp_path):
    """The second visits' screens (the choice of journey, proof pages, pledge, check, sign,
    forms printing, done) with the kiosk's own language English: the layout check at each
    shot; the records reach the province as in Chinese."""
    kiosk, _queue = second_visit_kiosk
    script, _form = SIZES[size]
    shots = tmp_path / "shots"
    result = kiosk.play(script, "--size", size, "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    assert {"proof-1", "pledge", "check", "sign", "done"} <= {
        p.stem.split("-", 1)[1] for p in shots.glob("*.png")}
    assert kiosk.upload_once().returncode == 0
    assert len(saved_events(kiosk, "record.saved")) == 2


def test_wrong_point_minor_correction_and_an_unprinted_form_each_say_what_to_do(
        second_visit_kiosk, cupsd, tmp_path):
    """A candidate at the point they did not choose, a minor at a point not designated for
    minors each end with their notice, which says what to do (the point chosen by its code),
    a correction request calls staff, and none leaves a record; with the A4 queue stopped the signed
    record is kept and staff see the A4 printer's alert (the script checks the screen)."""
    kiosk, queue = second_visit_kiosk
    cupsd.run("cupsdisable", queue.name)
    shots = tmp_path / "shots"
    assert kiosk.play("second-visit-refusals", "--shots", str(shots)).returncode == 0, (
        kiosk.log_tail())
    assert kiosk.status()["records"]["queued"] == 1, "only the signed confirmation is kept"
    events = kiosk.log_events()
    assert [e.get("event") for e in events].count("exception.dispute_raised") == 1
    said = {e["label"]: e["texts"] for e in events if e.get("event") == "autoplay.screen_text"}
    assert set(said) == {"wrong_point", "minor_not_designated", "correction_requested"}
    assert OTHER_POINT in said["wrong_point"]["message"], "the notice names the point chosen"
    assert any(e.get("event") == "health.printer" and e.get("alert") == "staff_a4_printer_fault"
               for e in events)
    log = kiosk.log.read_text(encoding="utf-8")
    assert card("resident-valid")["name"] not in log and GAOKAO["school"] not in log


def test_confirm_offline_from_the_roster(second_visit_kiosk, api_server, tmp_path):
    """The roster synced ahead (`kioskctl candidates sync`), then the network gone: the
    candidate confirms from the roster, and the record says so once it reaches the province."""
    kiosk, queue = second_visit_kiosk
    env_cmd = [str(BIN / "kioskctl"), "--simulate", "candidates", "sync", "--exam", "gaokao",
               "--config", str(kiosk.config)]
    assert "gaokao" in _run(*env_cmd)
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    kiosk.config.write_text(kiosk.config.read_text().replace(api_server.url, dead))
    assert kiosk.play("confirm").returncode == 0, kiosk.log_tail()
    lookups = [e for e in kiosk.log_events() if e.get("event") == "candidate.lookup"]
    assert [e["source"] for e in lookups] == ["roster"]
    kiosk.config.write_text(kiosk.config.read_text().replace(dead, api_server.url))
    assert kiosk.upload_once().returncode == 0
    (saved,) = saved_events(kiosk, "record.saved")
    payload = open_record(api_server, saved["record_id"])
    assert payload["confirmation"]["source"] == "roster"
    assert_form_says(printed_text(queue, tmp_path, "registration"), forms.REGISTRATION, payload)
