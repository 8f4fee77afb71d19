"""Reading what lp and lpstat print (outside bytes), and choosing the A4 printer by URI."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.printer import lpstat
from hardware.printer.a4 import A4PrinterError, open_a4_printer
from hardware.printer.cups import CupsPrinter

# Captured from CUPS 2.4.2 (LC_ALL=C) against the tests' private cupsd.
LP_OK = "request id is a4test-12 (1 file(s))\n"
P_IDLE = "printer a4test is idle.  enabled since Wed Dec  2 18:16:51 2026\n"
P_STOPPED = "printer a4test disabled since Wed Dec  2 18:18:01 2026 -\n\tPaused\n"
A_OK = "a4test accepting requests since Wed Dec  2 18:18:03 2026\n"
A_REJECT = "a4test not accepting requests since Wed Dec  2 18:18:03 2026 -\n\tRejecting Jobs\n"
O_TWO = ("a4test-3                root             41984   Wed Dec  2 18:17:38 2026\n"
         "a4test-12               root             41984   Wed Dec  2 18:17:40 2026\n")


def test_the_job_id_is_read_from_lps_answer():
    assert lpstat.request_id(LP_OK, "a4test") == "a4test-12"
    assert lpstat.request_id(LP_OK, "other") is None
    assert lpstat.request_id("lp: Error - The printer or class does not exist.", "a4test") is None


def test_queue_state_enabled_stopped_and_unknown():
    assert lpstat.queue_state(P_IDLE, "a4test") == lpstat.QueueState(True, "")
    assert lpstat.queue_state(P_STOPPED, "a4test") == lpstat.QueueState(False, "Paused")
    assert lpstat.queue_state('lpstat: Invalid destination name in list "a4test".',
                              "a4test") is None
    assert lpstat.queue_state(P_IDLE, "a4") is None  # a prefix of another queue's name


def test_accepting_and_jobs():
    assert lpstat.accepting(A_OK, "a4test") is True
    assert lpstat.accepting(A_REJECT, "a4test") is False
    assert lpstat.accepting("", "a4test") is None
    assert lpstat.job_ids(O_TWO, "a4test") == {"a4test-3", "a4test-12"}
    assert lpstat.job_ids(O_TWO, "a4") == set()


@given(st.text(max_size=400), st.sampled_from(["a4test", "a4", "x-y"]))
@settings(max_examples=400, deadline=None)
def test_the_parsers_take_any_text_without_raising(text, queue):
    job = lpstat.request_id(text, queue)
    assert job is None or job.startswith(f"{queue}-")
    state = lpstat.queue_state(text, queue)
    assert state is None or len(state.reason) <= 200
    assert lpstat.accepting(text, queue) in (True, False, None)
    assert all(j.startswith(f"{queue}-") for j in lpstat.job_ids(text, queue))
    assert lpstat.scheduler_running(text) in (True, False)


@given(st.integers(min_value=1, max_value=10**9), st.text(max_size=80))
@settings(max_examples=200, deadline=None)
def test_a_job_id_survives_noise_around_it(number, noise):
    answer = f"{noise}\nrequest id is a4test-{number} (1 file(s))\n{noise}"
    assert lpstat.request_id(answer, "a4test") == f"a4test-{number}" or "\nrequest id is" in noise


@pytest.mark.parametrize("uri", ["cups://a4", "cups://HP_LaserJet-1?timeout=30", "cups:///a4"])
def test_cups_uris_open_a_cups_printer(uri):
    printer = open_a4_printer(uri)
    assert isinstance(printer, CupsPrinter)


@pytest.mark.parametrize("uri,words", [
    ("ipp://a4", "unsupported"), ("cups://", "queue name"), ("cups://a b", "queue name"),
    ("cups://a4?timeout=x", "number"), ("cups://a4?timeout=0", "between"),
    ("cups://a4?speed=1", "unknown option"),
])
def test_bad_uris_are_refused_with_a_reason(uri, words):
    with pytest.raises(ValueError, match=words):
        open_a4_printer(uri)


def test_a4_errors_are_printer_errors_with_their_own_codes():
    from hardware.printer import PrinterError

    error = A4PrinterError("a4_queue_disabled", "queue a4 is stopped")
    assert isinstance(error, PrinterError)
    assert str(error) == "a4_queue_disabled: queue a4 is stopped"
    with pytest.raises(ValueError):
        A4PrinterError("no_such_code")  # type: ignore[arg-type]
