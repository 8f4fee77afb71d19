"""sd_notify as systemd receives it: datagrams on a NOTIFY_SOCKET of our own, the way systemd
listens for a Type=notify unit with WatchdogSec=; and nothing at all outside systemd."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.sd_notify import FALLBACK_WATCHDOG_S, ServiceNotifier
from kiosk.sync.uploader import Uploader


class NotifySocket:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.05)

    def received(self) -> list[str]:
        out = []
        while True:
            try:
                out.append(self.sock.recv(4096).decode())
            except TimeoutError:
                return out


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch) -> Iterator[NotifySocket]:
    s = NotifySocket(tmp_path / "notify")
    monkeypatch.setenv("NOTIFY_SOCKET", str(s.path))
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    yield s
    s.sock.close()


def test_ready_alive_and_stopping_reach_systemd(notify_socket, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    n = ServiceNotifier()
    n.ready(status="attract screen shown")
    n.alive()
    n.stopping()
    assert notify_socket.received() == [
        "READY=1\nSTATUS=attract screen shown", "WATCHDOG=1", "STOPPING=1"]
    assert n.watchdog_interval_s() == 15.0  # half of WatchdogSec=30


def test_without_systemd_nothing_is_sent_and_nothing_fails(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    n = ServiceNotifier()
    n.ready()
    n.alive()
    assert not n.enabled and n.watchdog_interval_s() is None


def test_off_sends_nothing_even_under_systemd(notify_socket):
    n = ServiceNotifier.off()
    n.ready()
    assert notify_socket.received() == [] and n.watchdog_interval_s() is None


def test_a_watchdog_interval_missing_from_the_environment_falls_back(notify_socket):
    """cage need not pass WATCHDOG_USEC on to its child: ping anyway, often enough."""
    assert ServiceNotifier().watchdog_interval_s() == FALLBACK_WATCHDOG_S


def test_the_uploader_pings_the_watchdog_through_a_long_wait(notify_socket, monkeypatch):
    """A back-off of minutes must not look like a hung loop: the wait pings as it goes."""
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    n = ServiceNotifier()
    uploader = Uploader(store=None, client=None, interval_s=1, batch_size=1,  # type: ignore[arg-type]
                        notifier=n)
    started = time.monotonic()
    uploader._wait(0.5)
    assert 0.45 <= time.monotonic() - started < 2
    pings = notify_socket.received()
    assert set(pings) == {"WATCHDOG=1"} and len(pings) >= 8  # every 0.05 s over 0.5 s


def test_a_stop_ends_the_wait_at_once(notify_socket, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    n = ServiceNotifier()
    uploader = Uploader(store=None, client=None, interval_s=1, batch_size=1,  # type: ignore[arg-type]
                        notifier=n)
    threading.Timer(0.1, uploader.stop).start()
    started = time.monotonic()
    uploader._wait(60)
    assert time.monotonic() - started < 2
