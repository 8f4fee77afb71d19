"""The A4 printer against a real, private cupsd: every form comes out of a file queue and reads
back with pdftotext, field by field; the page cupsd wrote is rendered with pdftoppm and its photo
and signature boxes hold ink; a stopped, refusing, unknown or failing queue is a coded failure,
not a hang."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware.printer.a4 import A4PrinterError, open_a4_printer
from hardware.printer.forms_pdf import Box, FontFile, render_form, render_form_with_boxes
from kiosk.core import forms
from kiosk.core.form_specimen import specimen_strokes
from kiosk.core.texts import text
from kiosk.fonts import cjk_font_path
from tests.integration.cupsd_server import PrivateCupsd
from tests.synthetic import resident, standard_photo_jpeg

ONLINE = {"candidate_category": "农村应届", "subject_track": "历史类", "school": "示例县第一中学"}


@pytest.fixture
def cups_env(private_cupsd: PrivateCupsd, monkeypatch: pytest.MonkeyPatch) -> PrivateCupsd:
    monkeypatch.setenv("CUPS_SERVER", str(private_cupsd.socket))
    return private_cupsd


@pytest.fixture(scope="module")
def registration_pdf() -> tuple[forms.FormData, bytes]:
    data = forms.FormData(document=resident(), sequence_number="43010042", point="示例县报名点",
                          on=date(2026, 11, 24), online=ONLINE,
                          signature_strokes=(((0.1, 0.5, 0.0), (0.9, 0.5, 0.2)),))
    return data, render_form(forms.REGISTRATION, data, FontFile(cjk_font_path()))


def _squeeze(words: str) -> str:
    return "".join(words.split())


# Every field a form can print, filled: the online answers of every workflow, a rare character
# in the name (CJK Extension A: printed from the embedded face, never as a "?"), a long address
# that wraps in its cell. A resident's card has no English name or nationality (a foreigner's
# permanent residence card has): those rows are left out on paper as on screen.
FULL_ONLINE = {"candidate_category": "农村应届", "subject_track": "物理类 · 化学 生物",
               "exam_level": "高起专", "school": "示例县第一中学",
               "household": "江西省南昌市示例区", "parent_work": "长沙市示例建筑有限公司",
               "political_status": "共青团员", "foreign_language": "英语"}
NOT_ON_A_RESIDENT_CARD = {"english_name", "nationality"}
DPI = 100


@pytest.fixture(scope="module")
def full_data() -> forms.FormData:
    return forms.FormData(
        document=resident(name="测试䶮", address="湖南省长沙市芙蓉区示例路1号示例小区"
                          "示例楼栋2单元1203室（示例地址，长到要折行）"),
        sequence_number="43010042", point="示例县报名点", on=date(2026, 11, 24),
        online=FULL_ONLINE, photo_jpeg=standard_photo_jpeg(),
        signature_strokes=specimen_strokes())


def _ink(page: Image.Image, box: Box, inset_mm: float = 1.5) -> float:
    """The share of the box's inside (frame lines excluded) that is not paper-white."""
    px = DPI / 25.4
    inside = page.convert("L").crop((round((box.x + inset_mm) * px),
                                     round((box.y + inset_mm) * px),
                                     round((box.x + box.w - inset_mm) * px),
                                     round((box.y + box.h - inset_mm) * px)))
    hist = inside.histogram()
    return 1 - sum(hist[230:]) / sum(hist)


def _frame_drawn(page: Image.Image, box: Box) -> bool:
    """The box's left and right frame lines are where the renderer says: the printed page was
    not scaled or shifted on its way through the queue, so the ink found is inside the box."""
    px = DPI / 25.4
    grey = np.asarray(page.convert("L"))
    top, bottom = round((box.y + 2) * px), round((box.y + box.h - 2) * px)
    for edge in (box.x, box.x + box.w):
        x = round(edge * px)
        darkest_near_edge = grey[top:bottom, x - 1:x + 2].min(axis=1)
        if not (darkest_near_edge < 128).all():
            return False
    return True


@pytest.mark.parametrize("form", list(forms.FORMS.values()), ids=list(forms.FORMS))
def test_every_form_comes_out_of_the_queue_with_every_field_photo_and_signature(
        cups_env: PrivateCupsd, full_data: forms.FormData, form: forms.Form,
        tmp_path: Path) -> None:
    pdf, boxes = render_form_with_boxes(form, full_data, FontFile(cjk_font_path()))
    queue = cups_env.add_file_queue()
    job = open_a4_printer(f"cups://{queue.name}?timeout=30").print_pdf(pdf, form.name)
    assert job.startswith(f"{queue.name}-")
    assert queue.name not in cups_env.pending(queue.name)  # finished, not waiting
    printed = tmp_path / f"{form.name}.printed.pdf"
    printed.write_bytes(queue.read())  # what cupsd wrote, not what we sent
    assert b"%PDF-" in printed.read_bytes()  # wrapped in PJL, as the PPD sends it to a printer

    got = _squeeze(subprocess.run(["pdftotext", str(printed), "-"], check=True,
                                  capture_output=True, text=True).stdout)
    rows = forms.rows(form, full_data, "zh")
    assert set(form.fields) - {row.key for row in rows} <= NOT_ON_A_RESIDENT_CARD
    for row in rows:
        assert _squeeze(row.label) in got, row.key
        assert _squeeze(row.value) in got, row.key
    assert _squeeze(text(form.title, "zh")) in got
    assert full_data.document.id_number not in got  # masked on paper too
    pages = int(re.findall(r"共\s*(\d+)\s*页", got)[-1])

    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(printed),
                    str(tmp_path / form.name)], check=True, capture_output=True, timeout=60)
    rendered = sorted(tmp_path.glob(f"{form.name}-*.png"))
    assert len(rendered) == pages  # "page N of M" agrees with the pages that came out
    page_one = Image.open(rendered[0])
    a4 = (210 / 25.4 * DPI, 297 / 25.4 * DPI)  # not shrunk to the queue's Letter default
    assert all(abs(got - want) <= 1 for got, want in zip(page_one.size, a4, strict=True))
    assert ("photo" in boxes) == form.photo and ("signature" in boxes) == form.signature
    for name, box in boxes.items():
        page = Image.open(rendered[box.page - 1])
        assert _frame_drawn(page, box), name
        ink = _ink(page, box)
        if name == "photo":
            assert ink > 0.6, f"photo box {ink:.0%} inked"  # the photo fills its box
        else:  # pen strokes: clearly there, and not a filled box
            assert 0.005 < ink < 0.25, f"signature box {ink:.1%} inked"


def test_status_says_ready_for_a_working_queue(cups_env):
    queue = cups_env.add_file_queue()
    status = open_a4_printer(f"cups://{queue.name}").status()
    assert (status.ok, status.code) == (True, None)


@pytest.mark.parametrize("how", ["cupsdisable", "cupsreject"])
def test_a_stopped_or_refusing_queue_fails_at_once_with_a_code(cups_env, registration_pdf, how):
    queue = cups_env.add_file_queue()
    cups_env.run(how, queue.name)
    printer = open_a4_printer(f"cups://{queue.name}?timeout=30")
    assert printer.status().code == "a4_queue_disabled"
    started = time.monotonic()
    with pytest.raises(A4PrinterError) as caught:
        printer.print_pdf(registration_pdf[1], "registration")
    assert caught.value.code == "a4_queue_disabled"
    assert time.monotonic() - started < 5  # refused up front, not after the 30 s timeout
    assert queue.name not in cups_env.pending(queue.name)  # nothing left to print later


def test_an_unknown_queue_is_named_as_such(cups_env, registration_pdf):
    printer = open_a4_printer("cups://no-such-queue")
    assert printer.status().code == "a4_queue_unknown"
    with pytest.raises(A4PrinterError) as caught:
        printer.print_pdf(registration_pdf[1], "registration")
    assert caught.value.code == "a4_queue_unknown"


def test_a_job_that_never_finishes_times_out_and_is_cancelled(cups_env, registration_pdf):
    # The output file cannot be opened, so the scheduler stops the job: it would wait for ever.
    queue = cups_env.add_file_queue(create_output=False)
    printer = open_a4_printer(f"cups://{queue.name}?timeout=2")
    started = time.monotonic()
    with pytest.raises(A4PrinterError) as caught:
        printer.print_pdf(registration_pdf[1], "registration")
    assert caught.value.code in ("a4_job_timeout", "a4_job_failed")
    assert time.monotonic() - started < 8
    assert queue.name not in cups_env.pending(queue.name)  # cancelled: it must not print later


def test_no_print_server_is_cups_unavailable(monkeypatch, registration_pdf, tmp_path):
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-cupsd.sock"))
    printer = open_a4_printer("cups://a4")
    assert printer.status().code == "a4_cups_unavailable"
    with pytest.raises(A4PrinterError) as caught:
        printer.print_pdf(registration_pdf[1], "registration")
    assert caught.value.code == "a4_cups_unavailable"


def test_a_printed_form_leaves_no_copy_in_the_print_spool(cups_env, registration_pdf):
    """A form holds the candidate's name, ID number, photo and signature: once printed, cupsd
    must not keep the document (its default keeps job files a day, in clear, outside the
    sealed outbox). The scheduler runs with the kiosk's CUPS settings (packaging/)."""
    _, pdf = registration_pdf
    queue = cups_env.add_file_queue()
    open_a4_printer(f"cups://{queue.name}?timeout=30").print_pdf(pdf, "registration")
    assert queue.output.stat().st_size > 0  # it did print
    deadline = time.monotonic() + 10
    kept = sorted(p.name for p in (cups_env.root / "spool").glob("d*"))
    while kept and time.monotonic() < deadline:  # cupsd unlinks the file just after "done"
        time.sleep(0.1)
        kept = sorted(p.name for p in (cups_env.root / "spool").glob("d*"))
    assert kept == []
