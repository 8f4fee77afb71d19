"""The A4 printer against a real, private cupsd: forms come out of a file queue and read back
with pdftotext; a stopped, refusing, unknown or failing queue is a coded failure, not a hang."""

from __future__ import annotations

import subprocess
import time
from datetime import date

import pytest

from hardware.printer.a4 import A4PrinterError, open_a4_printer
from hardware.printer.forms_pdf import FontFile, render_form
from kiosk.core import forms
from kiosk.fonts import cjk_font_path
from tests.integration.cupsd_server import PrivateCupsd
from tests.synthetic import resident

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


def test_a_printed_form_comes_out_of_the_queue_with_every_field(cups_env, registration_pdf,
                                                                tmp_path):
    data, pdf = registration_pdf
    queue = cups_env.add_file_queue()
    job = open_a4_printer(f"cups://{queue.name}?timeout=30").print_pdf(pdf, "registration")
    assert job.startswith(f"{queue.name}-")
    assert queue.name not in cups_env.pending(queue.name)  # finished, not waiting
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(queue.read())
    assert b"%PDF-" in printed.read_bytes()  # wrapped in PJL, as the PPD sends it to a printer
    got = _squeeze(subprocess.run(["pdftotext", str(printed), "-"], check=True,
                                  capture_output=True, text=True).stdout)
    for row in forms.rows(forms.REGISTRATION, data, "zh"):
        assert _squeeze(row.value) in got, row.key
    assert data.document.id_number not in got


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
