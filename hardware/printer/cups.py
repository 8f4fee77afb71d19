"""The A4 printer through CUPS: `lp -d QUEUE` takes the PDF, `lpstat` follows the job.

`lp` and `lpstat` are CUPS's stable interface (the Python bindings are not); they find the print
server the usual way (`CUPS_SERVER`, else the system's). The PDF goes to `lp` on its standard
input, so no copy of a candidate's form is left in a file of ours; CUPS's own spool holds it
until the job is done.

Every job asks for A4 paper (`-o media=A4`): a queue set up with CUPS's default media, US
Letter wherever the locale is C or en_US, otherwise shrinks the A4 page to fit Letter (to about
85 %: the photo box and every cell come out too small, an official form that no longer measures
right).

A job is followed until it leaves the queue's list of unfinished jobs. The queue is checked
first: a stopped queue still accepts jobs and would hold them for ever, so it is refused at once
(`a4_queue_disabled`) rather than waited on. While the job waits, a queue that stops (CUPS stops
a queue whose job failed: the default error policy) fails the job with the printer's message,
and a job still unfinished at `timeout_s` is `a4_job_timeout`. lpstat cannot tell a job that
finished from one cancelled by hand at the server: both simply leave the list.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable, Mapping

from central_api_client.logs import LogEvent, event
from hardware.printer import lpstat
from hardware.printer.a4 import A4ErrorCode, A4PrinterError, A4Status

log = logging.getLogger(__name__)
COMMAND_TIMEOUT_S = 15.0  # one lp or lpstat call; the server is local or on the LAN
# CUPS's messages in English, whatever the machine's language, so the parsers can read them.
_C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


class CupsPrinter:
    def __init__(
        self,
        queue: str,
        *,
        timeout_s: float = 120.0,
        poll_s: float = 0.2,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not lpstat.valid_queue_name(queue):
            raise ValueError("bad CUPS queue name")
        self.queue = queue
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self._env = {**os.environ, **(env or {}), **_C_LOCALE}
        self._clock = clock

    def _run(self, args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(args, input=stdin, capture_output=True, env=self._env,
                                  timeout=COMMAND_TIMEOUT_S, check=False)
        except FileNotFoundError:
            raise A4PrinterError("a4_cups_unavailable",
                                 f"{args[0]} not found (Debian package cups-client)") from None
        except subprocess.TimeoutExpired:
            raise A4PrinterError("a4_cups_unavailable",
                                 f"{args[0]} got no answer in {COMMAND_TIMEOUT_S:.0f} s") from None

    def _text(self, args: list[str]) -> str:
        done = self._run(args)
        return (done.stdout + done.stderr).decode("utf-8", "replace")

    def _problem(self) -> A4PrinterError | None:
        """Why the queue cannot print now, or None when it is enabled and accepting jobs."""
        state = lpstat.queue_state(self._text(["lpstat", "-p", self.queue]), self.queue)
        if state is None:
            if not lpstat.scheduler_running(self._text(["lpstat", "-r"])):
                return A4PrinterError("a4_cups_unavailable", "the CUPS scheduler is not running")
            return A4PrinterError("a4_queue_unknown", f"CUPS has no queue {self.queue}")
        if not state.enabled:
            return A4PrinterError("a4_queue_disabled", f"queue {self.queue} is stopped"
                                  + (f": {state.reason}" if state.reason else ""))
        if lpstat.accepting(self._text(["lpstat", "-a", self.queue]), self.queue) is False:
            return A4PrinterError("a4_queue_disabled", f"queue {self.queue} refuses jobs")
        return None

    def status(self) -> A4Status:
        try:
            problem = self._problem()
        except A4PrinterError as exc:
            problem = exc
        if problem is None:
            return A4Status(ok=True)
        return A4Status(ok=False, code=problem.a4_code, detail=problem.detail)

    def submit(self, pdf: bytes, title: str) -> str:
        """Hand the PDF to the queue; the job id once lp has taken it."""
        problem = self._problem()
        if problem is not None:
            raise problem
        done = self._run(["lp", "-d", self.queue, "-t", title[:60], "-o", "media=A4", "-"],
                         stdin=pdf)
        out = (done.stdout + done.stderr).decode("utf-8", "replace")
        job = lpstat.request_id(out, self.queue) if done.returncode == 0 else None
        if job is None:
            raise A4PrinterError("a4_job_failed", f"lp refused the job: {out.strip()[:200]}")
        event(log, LogEvent.PRINTER_A4_SUBMITTED, queue=self.queue, job=job, bytes=len(pdf))
        return job

    def wait(self, job: str) -> None:
        """Return once `job` has left the queue's unfinished jobs; raise when it cannot."""
        deadline = self._clock() + self.timeout_s
        while True:
            pending = lpstat.job_ids(self._text(["lpstat", "-o", self.queue]), self.queue)
            if job not in pending:
                event(log, LogEvent.PRINTER_A4_PRINTED, queue=self.queue, job=job)
                return
            state = lpstat.queue_state(self._text(["lpstat", "-p", self.queue]), self.queue)
            if state is not None and not state.enabled:
                self._fail(job, "a4_job_failed", f"queue {self.queue} stopped with job {job}"
                           + (f": {state.reason}" if state.reason else ""))
            if self._clock() >= deadline:
                self._fail(job, "a4_job_timeout",
                           f"job {job} not done after {self.timeout_s:.0f} s")
            time.sleep(self.poll_s)

    def _fail(self, job: str, code: A4ErrorCode, detail: str) -> None:
        """Cancel the job (it must not come out later, unattended) and raise."""
        self._run(["cancel", job])
        event(log, LogEvent.PRINTER_A4_FAILED, level=logging.WARNING, queue=self.queue, job=job,
              code=code)
        raise A4PrinterError(code, detail)

    def print_pdf(self, pdf: bytes, title: str) -> str:
        job = self.submit(pdf, title)
        self.wait(job)
        return job
