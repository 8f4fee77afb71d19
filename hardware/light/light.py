"""What the kiosk needs from the fill light: on or off, and to know when it failed.

The light only improves the photo; it must never stop a candidate. So the kiosk talks to a
`GuardedLight`, which turns any device error into a logged warning and a `fault` flag for the
staff screen, and otherwise carries on.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from central_api_client.logs import LogEvent
from central_api_client.logs import event as log_event
from kiosk.core.errors import DeviceError

log = logging.getLogger(__name__)


class LightError(DeviceError):
    """The light cannot be reached or refused a command: `light_unavailable`, its one code."""

    code = "light_unavailable"


@runtime_checkable
class FillLight(Protocol):
    def set(self, on: bool) -> None:
        """Switch the light; raises LightError when the device does not answer."""
        ...

    def close(self) -> None:
        """Release the device (switching it off first where possible)."""
        ...


class GuardedLight:
    """A `FillLight` whose failures are warnings, never exceptions (see the module doc)."""

    def __init__(self, inner: FillLight) -> None:
        self.inner = inner
        self.fault: str = ""  # "" while healthy; the last error code otherwise, for staff
        self.is_on = False

    def set(self, on: bool) -> None:
        try:
            self.inner.set(on)
        except Exception as exc:  # noqa: BLE001 - whatever the device does, carry on
            self.fault = exc.code if isinstance(exc, DeviceError) else LightError.code
            log_event(log, LogEvent.LIGHT_FAILED, level=logging.WARNING, code=self.fault, on=on)
            return
        self.fault = ""
        self.is_on = on

    def close(self) -> None:
        try:
            self.inner.close()
        except Exception:  # noqa: BLE001
            log_event(log, LogEvent.LIGHT_CLOSE_FAILED, level=logging.WARNING)
