"""What `lp` and `lpstat` print, read back (run with LC_ALL=C, so the words are CUPS's English).

These are outside bytes: every parser takes any text and returns a value or None, never raises
(property-tested in tests/unit/test_lpstat.py). The lines they read:

    request id is a4test-12 (1 file(s))                       lp, on success
    printer a4test is idle.  enabled since Wed Dec  2 ...     lpstat -p a4test
    printer a4test disabled since Wed Dec  2 ... -            lpstat -p a4test (stopped), the
    \tUnable to open the output file                           reason on the next line
    a4test accepting requests since ...                       lpstat -a a4test
    a4test not accepting requests since ... -                  (cupsreject)
    a4test-12   root   41984   Wed Dec  2 18:17:40 2026       lpstat -o a4test (one job a line)
    scheduler is running / scheduler is not running           lpstat -r
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# CUPS queue names: up to 127 printable characters, no space, tab, "/", "\\", "'", '"' or "#".
QUEUE_NAME = re.compile(r"^[^\s/\\'\"#]{1,127}$")
_REQUEST_ID = re.compile(r"^request id is (\S+)-(\d+) \(\d+ file\(s\)\)", re.MULTILINE)


def valid_queue_name(name: str) -> bool:
    return bool(QUEUE_NAME.match(name)) and name.isprintable()


def request_id(stdout: str, queue: str) -> str | None:
    """The job id ("QUEUE-N") from lp's answer, when it is for `queue`."""
    for m in _REQUEST_ID.finditer(stdout):
        if m.group(1) == queue:
            return f"{queue}-{m.group(2)}"
    return None


@dataclass(frozen=True)
class QueueState:
    enabled: bool  # False: stopped (cupsdisable, or CUPS stopped it after a failed job)
    reason: str  # the printer's message when it has one ("" otherwise)


def queue_state(stdout: str, queue: str) -> QueueState | None:
    """The queue's state from `lpstat -p QUEUE`, or None when the answer is not about it."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith(f"printer {queue} "):
            continue
        rest = line[len(f"printer {queue} "):]
        enabled = " disabled since " not in f" {rest}"
        reason = ""
        if i + 1 < len(lines) and lines[i + 1].startswith("\t"):
            reason = lines[i + 1].strip()
        return QueueState(enabled=enabled, reason=reason[:200])
    return None


def accepting(stdout: str, queue: str) -> bool | None:
    """Whether `lpstat -a QUEUE` says the queue takes new jobs; None when it does not say."""
    for line in stdout.splitlines():
        if line.startswith(f"{queue} accepting requests"):
            return True
        if line.startswith(f"{queue} not accepting requests"):
            return False
    return None


def job_ids(stdout: str, queue: str) -> set[str]:
    """The job ids `lpstat -o QUEUE` lists (one job a line, the id first)."""
    ids = set()
    prefix = f"{queue}-"
    for line in stdout.splitlines():
        word = line.split(maxsplit=1)[0] if line.strip() else ""
        if word.startswith(prefix) and word[len(prefix):].isdigit():
            ids.add(word)
    return ids


def scheduler_running(stdout: str) -> bool:
    return "scheduler is running" in stdout
