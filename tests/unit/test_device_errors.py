"""Every error a person can meet is a `CodedError` whose code the UI and the logs key on.

The tables below pin the codes: renaming one would silently send a screen to the generic
ask-staff message, so a change here must be deliberate (and matched in `kiosk.core.texts`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import hardware
from hardware.camera import CameraError
from hardware.idcard import ReaderError
from hardware.idcard.ga467 import errors as ga467
from hardware.light import GuardedLight, LightError
from hardware.printer import PrinterError
from kiosk.core import errors as core_errors
from kiosk.core.errors import CodedError, DeviceError, KioskError

DEVICE_CODES = {
    "reader_unavailable", "no_card", "card_read_failed", "card_removed",  # the ID card reader
    "paper_out", "cover_open", "offline",  # the printer
    "light_unavailable",  # the fill light
    "camera_unavailable",  # the camera
    "a4_cups_unavailable", "a4_queue_unknown", "a4_queue_disabled",  # the A4 printer (CUPS)
    "a4_job_failed", "a4_job_timeout",
    # the key store (hardware/tpm): at start-up only, before any candidate
    "tpm_failed", "tpm_unavailable", "tpm_wrong_machine", "tpm_key_missing",
}
KIOSK_CODES = {
    "kiosk_error", "document_invalid", "id_number_format", "id_number_checksum",
    "id_number_birth_date", "id_number_sex_mismatch", "card_expired", "card_not_yet_valid",
    "sequence_exhausted", "disk_full", "candidate_data_unavailable",
}
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _device_errors() -> set[type[DeviceError]]:
    """Every DeviceError subclass in hardware, whichever module defines it."""
    for info in pkgutil.walk_packages(hardware.__path__, "hardware."):
        importlib.import_module(info.name)
    return {c for c in _subclasses(DeviceError) if c.__module__.startswith("hardware.")}


def test_every_device_error_has_a_stable_code() -> None:
    classes = _device_errors()
    assert {ReaderError, PrinterError, LightError, CameraError, ga467.Ga467Error} <= classes
    for cls in classes:
        assert isinstance(cls.code, str) and CODE.match(cls.code), cls
        assert not cls.codes or cls.code in cls.codes, cls
        assert cls.code in DEVICE_CODES and cls.codes <= DEVICE_CODES, cls
    assert {c for cls in classes for c in cls.codes | {cls.code}} == DEVICE_CODES


def test_every_kiosk_error_has_a_stable_code() -> None:
    classes = {c for c in vars(core_errors).values()
               if isinstance(c, type) and issubclass(c, KioskError)}
    assert {c.code for c in classes} == KIOSK_CODES
    assert all(CODE.match(c.code) for c in classes)


def test_device_and_kiosk_errors_share_one_base() -> None:
    for cls in (ReaderError, PrinterError, LightError, CameraError, KioskError):
        assert issubclass(cls, CodedError)
    assert not issubclass(KioskError, DeviceError) and not issubclass(DeviceError, KioskError)


def test_code_and_detail_read_the_same_on_every_error() -> None:
    printer = PrinterError("paper_out", "roll empty")
    assert (printer.code, printer.detail, str(printer)) == (
        "paper_out", "roll empty", "paper_out: roll empty")
    light = LightError(detail="no relay 16c0:05df")
    assert (light.code, str(light)) == (
        "light_unavailable", "light_unavailable: no relay 16c0:05df")
    assert str(CameraError()) == "camera_unavailable"
    expired = core_errors.CardExpiredError("card expired")
    assert (expired.code, str(expired)) == ("card_expired", "card_expired: card expired")


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="no code 'paper_jam'"):
        PrinterError("paper_jam")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        CameraError("camera_on_fire")


def test_each_ga467_class_gives_its_reader_code() -> None:
    assert ga467.NoCardStatus().code == "no_card"
    assert ga467.TransportError("port gone").code == "reader_unavailable"
    assert ga467.CardRemovedError().code == "card_removed"
    assert ga467.error_for_status(0x41).code == "card_read_failed"
    assert ga467.error_for_status(0x77).code == "card_read_failed"  # undefined status byte


def test_a_guarded_light_keeps_the_device_code() -> None:
    class Broken:
        def set(self, on: bool) -> None:
            raise LightError(detail="unplugged")

        def close(self) -> None:
            pass

    light = GuardedLight(Broken())
    light.set(True)
    assert light.fault == "light_unavailable" and not light.is_on
