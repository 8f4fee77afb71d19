"""Several server processes on one listening socket (`provincial-api serve --workers N`).

One Python process runs one thread of Python at a time: under a fleet's drain the reference
server spent its CPU in one core while the other sat partly idle (bench_fleet_pg.py). The
parent binds the socket, forks the workers (each makes its own app: its own database pool and
group-commit writer, which must not cross a fork) and the kernel hands each connection to one
of them. The parent only supervises: SIGTERM or SIGINT is passed on to every worker (those
still running after STOP_GRACE_S are killed), and a worker that ends on its own takes the
others down with it, said on stderr, so the service manager restarts a whole server rather
than leave a smaller one running unnoticed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import click

# How long workers have to finish their requests after SIGTERM before they are killed (uvicorn
# is told a second less, so it closes its connections itself first).
STOP_GRACE_S = 10.0
_POLL_S = 0.1
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def run_workers(count: int, sock: socket.socket,
                serve: Callable[[socket.socket], None]) -> int:
    """Fork `count` workers running `serve(sock)`; returns the exit status once all ended:
    0 after a requested stop, 1 when a worker ended on its own (or could not be started)."""
    children: set[int] = set()
    stop_by: float | None = None  # when the workers still running are killed

    def stop(signum: int, _frame: object) -> None:
        nonlocal stop_by
        if stop_by is None:
            stop_by = time.monotonic() + STOP_GRACE_S
            _signal_all(children, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    failed = False
    try:
        # No stop signal between a fork and the child's own handlers, nor while forking.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            for _ in range(count):
                pid = os.fork()
                if pid == 0:
                    _worker(serve, sock, previous)
                children.add(pid)
        except OSError as exc:  # fork failed: no smaller server than asked for
            print(f"provincial-api: cannot start a worker: {exc.strerror}", file=sys.stderr)
            failed = True
            stop(signal.SIGTERM, None)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        sock.close()  # the workers hold it
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                if stop_by is not None and time.monotonic() > stop_by:
                    _signal_all(children, signal.SIGKILL)
                time.sleep(_POLL_S)
                continue
            children.discard(pid)
            if stop_by is None:  # it ended unasked: say how, and stop the rest
                print(f"provincial-api: worker {pid} {_how_it_ended(status)}; stopping the"
                      " others", file=sys.stderr)
                failed = True
                stop(signal.SIGTERM, None)
        return 1 if failed else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _worker(serve: Callable[[socket.socket], None], sock: socket.socket,
            handlers: Mapping[signal.Signals, Any]) -> None:
    """In the child: the handlers the process had (uvicorn sets its own), serve, exit."""
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    status = 0
    try:
        serve(sock)
    except click.ClickException as exc:  # e.g. the database cannot be reached
        exc.show()
        status = 1
    except KeyboardInterrupt:  # Ctrl-C reaches every worker of the terminal: a stop
        pass
    except BaseException:  # noqa: BLE001 - told on stderr, then the worker ends
        import traceback

        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


def _signal_all(pids: set[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.kill(pid, sig)
