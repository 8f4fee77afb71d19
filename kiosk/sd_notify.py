"""Telling systemd how a kiosk program is doing: ready, alive (the watchdog), stopping.

The units are `Type=notify` with `WatchdogSec=` (systemd/): systemd considers the kiosk started
only once the attract screen is up, and restarts a program that stops saying it is alive, which
is how a frozen UI or a stuck upload loop gets noticed on a machine nobody watches. Each program
says "alive" from the loop whose freezing matters (the UI from its own Kivy Clock, the uploader
from its loop and its waits), never from a thread of its own, which would keep pinging while
the program it speaks for hung.

`sdnotify` sends the datagrams; without `NOTIFY_SOCKET` (a developer's shell, the tests, `make
run`) nothing is sent and nothing fails.
"""

from __future__ import annotations

import os

from sdnotify import SystemdNotifier

# When systemd asks for a watchdog but its interval is not in our environment: the kiosk runs
# as cage's child, and a compositor may not pass WATCHDOG_USEC on. Pinging more often than
# needed costs nothing; the shortest WatchdogSec= of our units is 30 s.
FALLBACK_WATCHDOG_S = 10.0


class ServiceNotifier:
    """sd_notify for one program; every method is a no-op outside systemd."""

    def __init__(self, *, enabled: bool = True) -> None:
        """From this process's environment, as systemd set it (sdnotify reads NOTIFY_SOCKET
        there too); `enabled=False` is a notifier that never sends (`off()`)."""
        self.enabled = enabled and bool(os.environ.get("NOTIFY_SOCKET"))
        self._watchdog_usec = os.environ.get("WATCHDOG_USEC", "")
        self._notifier = SystemdNotifier() if self.enabled else None

    @classmethod
    def off(cls) -> ServiceNotifier:
        """One that sends nothing, whatever the environment: a program not run by systemd's
        unit (tests, `--once`) must not speak for the one that is."""
        return cls(enabled=False)

    def _send(self, message: str) -> None:
        if self._notifier is not None:
            self._notifier.notify(message)

    def ready(self, status: str = "") -> None:
        """Startup is over: systemd starts what waits on this unit and arms the watchdog."""
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def alive(self) -> None:
        """The watchdog's keep-alive: the loop that sends it is still going round."""
        self._send("WATCHDOG=1")

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def watchdog_interval_s(self) -> float | None:
        """How often to call `alive`: half of `WatchdogSec=`, as sd_watchdog_enabled(3) advises;
        None outside systemd. WATCHDOG_PID is not checked: under `NotifyAccess=all` the
        notifying program may be the main process's child (the kiosk under cage)."""
        if not self.enabled:
            return None
        try:
            usec = int(self._watchdog_usec)
        except ValueError:
            return FALLBACK_WATCHDOG_S
        return usec / 2 / 1_000_000 if usec > 0 else FALLBACK_WATCHDOG_S
