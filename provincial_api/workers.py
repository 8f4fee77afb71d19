"""Several server processes on one listening socket (`provincial-api serve --workers N`).

One Python process runs one thread of Python at a time: under a fleet's drain the reference
server spent its CPU in one core while the other sat partly idle (bench_fleet_pg.py). The
parent binds the socket, forks the workers (each makes its own app: its own database pool and
group-commit writer, which must not cross a fork) and the kernel hands each connection to one
of them. The parent only supervises: SIGTERM or SIGINT is passed on to every worker, and a
worker that dies takes the others down with it, so the service manager restarts a whole server
rather than leave a smaller one running unnoticed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable

import click

# How long workers have to finish their requests after SIGTERM before they are killed.
STOP_GRACE_S = 10.0


def run_workers(count: int, sock: socket.socket,
                serve: Callable[[socket.socket], None]) -> int:
    """Fork `count` workers running `serve(sock)`; returns the exit status once all ended:
    0 after a requested stop, 1 when a worker ended on its own."""
    children: set[int] = set()
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _signal(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(count):
            pid = os.fork()
            if pid == 0:  # the worker: the default signal handlers; uvicorn sets its own
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
                status = 0
                try:
                    serve(sock)
                except click.ClickException as exc:  # e.g. the database cannot be reached
                    exc.show()
                    status = 1
                except BaseException:  # noqa: BLE001 - told on stderr, then the worker ends
                    import traceback

                    traceback.print_exc()
                    status = 1
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(status)
            children.add(pid)
        sock.close()  # the workers hold it
        failed = False
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            children.discard(pid)
            if not stopping:  # one ended unasked: stop the rest
                failed = True
                stopping = True
                for other in children:
                    _signal(other, signal.SIGTERM)
        return 1 if failed else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.kill(pid, sig)
