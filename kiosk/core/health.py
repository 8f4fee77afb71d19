"""The devices' health, and the one staff alert the footer shows for it.

Faults come in as they are noticed (the reader lost or back, the camera alive or not at each
check, the fill light failing or working again); out comes at most one alert, the most
urgent: without the reader nobody can start, without the camera nobody can finish, and a
broken fill light only makes photos harder. When a fault clears, the next one still active
shows, so an alert never disappears while its device is still broken.

Pure: the shell reports what the devices do and draws `alert`.
"""

from __future__ import annotations

from enum import StrEnum

# A camera that has given no frame for this long is lost; shorter silences (a camera still
# opening at boot, a USB hiccup) are not worth calling staff for.
CAMERA_GRACE_S = 1.0


class Alert(StrEnum):
    """Staff alerts, most urgent first; the value is the text key (`kiosk.core.texts.ALERTS`)."""

    READER_LOST = "staff_reader_lost"
    CAMERA_LOST = "staff_camera_lost"
    # A candidate is waiting for a printout: more urgent than a dim photo.
    PRINTER_PAPER_OUT = "staff_printer_paper_out"
    PRINTER_COVER_OPEN = "staff_printer_cover_open"
    PRINTER_OFFLINE = "staff_printer_offline"
    # An A4 form did not print (hardware.printer.a4 codes): the record is safe, the paper is not.
    A4_PRINTER_FAULT = "staff_a4_printer_fault"
    LIGHT_FAULT = "staff_light_fault"
    PRINTER_PAPER_LOW = "staff_printer_paper_low"  # printing goes on: load a roll soon


_PRIORITY = tuple(Alert)
_PRINTER_ALERTS = {
    "paper_out": Alert.PRINTER_PAPER_OUT,
    "cover_open": Alert.PRINTER_COVER_OPEN,
    "offline": Alert.PRINTER_OFFLINE,
}
_PRINTER_ALERTS_ALL = (*_PRINTER_ALERTS.values(), Alert.PRINTER_PAPER_LOW)
# Each alert as (part, fault code): what a heartbeat tells the province of a device, most urgent
# first so a part with two faults reports the worse one.
PART_FAULTS: dict[Alert, tuple[str, str]] = {
    Alert.READER_LOST: ("reader", "lost"),
    Alert.CAMERA_LOST: ("camera", "lost"),
    Alert.PRINTER_PAPER_OUT: ("printer", "paper_out"),
    Alert.PRINTER_COVER_OPEN: ("printer", "cover_open"),
    Alert.PRINTER_OFFLINE: ("printer", "offline"),
    Alert.A4_PRINTER_FAULT: ("a4_printer", "fault"),
    Alert.LIGHT_FAULT: ("light", "fault"),
    Alert.PRINTER_PAPER_LOW: ("printer", "paper_low"),
}
PARTS = ("reader", "camera", "printer", "a4_printer", "light")


class DeviceHealth:
    """What is broken now. Each report returns True when it changed the device's state, so the
    shell logs a transition once, not at every check."""

    def __init__(self, camera_grace_s: float = CAMERA_GRACE_S) -> None:
        self.camera_grace_s = camera_grace_s
        self._faults: set[Alert] = set()
        self._camera_dead_since: float | None = None

    @property
    def alert(self) -> Alert | None:
        """The one alert to show staff now, or None when every device is well."""
        return next((a for a in _PRIORITY if a in self._faults), None)

    def reader(self, connected: bool) -> bool:
        return self._set(Alert.READER_LOST, not connected)

    def camera_failed(self) -> bool:
        """The camera would not even start: lost at once, no grace."""
        self._camera_dead_since = None
        return self._set(Alert.CAMERA_LOST, True)

    def camera(self, alive: bool, now: float) -> bool:
        """The camera's state at a check (about twice a second); lost after the grace period."""
        if alive:
            self._camera_dead_since = None
            return self._set(Alert.CAMERA_LOST, False)
        if self._camera_dead_since is None:
            self._camera_dead_since = now
        if now - self._camera_dead_since >= self.camera_grace_s:
            return self._set(Alert.CAMERA_LOST, True)
        return False

    def light(self, faulty: bool) -> bool:
        return self._set(Alert.LIGHT_FAULT, faulty)

    def parts(self) -> dict[str, str]:
        """Every part as "ok" or its worst fault code: what the kiosk records for the
        uploader's heartbeat (central admins see a printer out of paper without a call)."""
        parts = dict.fromkeys(PARTS, "ok")
        for alert in _PRIORITY:
            part, code = PART_FAULTS[alert]
            if alert in self._faults and parts[part] == "ok":
                parts[part] = code
        return parts

    @property
    def printer_alert(self) -> Alert | None:
        """The printer's own alert now (whatever else is broken), or None."""
        return next((a for a in _PRINTER_ALERTS_ALL if a in self._faults), None)

    def printer(self, code: str | None, paper_near_end: bool = False) -> bool:
        """The printer's state after a print: None (printed) clears; any failure code is one
        of the printer alerts (an unknown code is `offline`: staff must look either way).
        A printed card on a nearly used-up roll is the low-paper warning."""
        wanted = None if code is None else _PRINTER_ALERTS.get(code, Alert.PRINTER_OFFLINE)
        if wanted is None and paper_near_end:
            wanted = Alert.PRINTER_PAPER_LOW
        changed = False
        for alert in _PRINTER_ALERTS_ALL:
            changed |= self._set(alert, alert is wanted)
        return changed

    def a4_printer(self, faulty: bool) -> bool:
        """A form failed to print (set) or the queue is ready again (cleared)."""
        return self._set(Alert.A4_PRINTER_FAULT, faulty)

    def _set(self, alert: Alert, on: bool) -> bool:
        if (alert in self._faults) == on:
            return False
        if on:
            self._faults.add(alert)
        else:
            self._faults.discard(alert)
        return True
