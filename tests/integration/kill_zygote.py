"""Forks the kill tests' savers and uploaders from one process that has imported them already.

Starting Python and importing `cryptography`, `httpx` and the kiosk takes most of a second on a
shared CPU; forking a warm process takes milliseconds, so hundreds of SIGKILLs fit in the
default suite. The children are ordinary processes running the real code (`save_loop.main`,
the kiosk's save path, and `kiosk.sync.uploader.main`), killed for real. Nothing is opened
before the fork: each child opens the store itself, so a kill can land in its start-up.

Reads `saver|uploader CONFIG OUT` lines on stdin, answers each with the child's pid; the
child's stdout goes to OUT, line-buffered.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import kiosk.sync.uploader as uploader  # noqa: E402
from tests.integration import save_loop  # noqa: E402


def child(kind: str, config: str, out: str) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    random.seed()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if kind == "saver":
        save_loop.main(config, sys.stdout)
    else:
        os.environ["KIOSK_CONFIG"] = config
        uploader.main([])


def main() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    for line in sys.stdin:
        kind, config, out = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                child(kind, config, out)
            finally:
                os._exit(0)
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
