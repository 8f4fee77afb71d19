"""Errors a candidate or staff member can meet, each with a stable code.

Every such error, the kiosk's own and each device's, is a `CodedError`: one place says what a
code and a detail are, so the UI (`kiosk.core.texts` maps a code to a screen and a message), the
logs and the technician's tools read any of them the same way. The message text never holds an
ID number, a name, a password or a photo.
"""

from __future__ import annotations

from typing import ClassVar


class CodedError(Exception):
    """An error with a stable `code` and a `detail` for technicians.

    - `code` is what screens, logs and tests key on: once given out a value is never renamed.
      A class fixes its own (`code = "disk_full"`); a class whose instances carry one of a few
      codes lists them in `codes`, and the constructor is given the one that applies.
    - `detail` says what failed for a technician (which port, which step), never anything a
      person typed or a card holds: it ends up in logs and on the staff screen.

    `str(error)` is `"code: detail"`, or the code alone.
    """

    code: str = "error"
    codes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        if code is not None:
            if code != type(self).code and code not in type(self).codes:
                raise ValueError(f"{type(self).__name__} has no code {code!r}")
            self.code = code
        self.detail = detail
        super().__init__(f"{self.code}: {detail}" if detail else self.code)


class KioskError(CodedError):
    """Base of every error the kiosk's rules turn into a message for a person."""

    code = "kiosk_error"


class DeviceError(CodedError):
    """A device (ID card reader, camera, fill light, printer) failed, is gone or has a problem.

    Each device's error class extends this one and lists its codes. A device's constructor takes
    the code first, as the devices' adapters always know which one applies:
    `ReaderError("no_card")`, `PrinterError("offline", "cover open")`.
    """

    code = "device_unavailable"

    def __init__(self, code: str | None = None, detail: str = "") -> None:
        super().__init__(detail, code=code)


class DocumentError(KioskError):
    """The card was read but what it says cannot be accepted."""

    code = "document_invalid"


class IdNumberFormatError(DocumentError):
    code = "id_number_format"


class IdNumberChecksumError(DocumentError):
    code = "id_number_checksum"


class IdNumberBirthDateError(DocumentError):
    code = "id_number_birth_date"


class IdNumberSexMismatchError(DocumentError):
    code = "id_number_sex_mismatch"


class CardExpiredError(DocumentError):
    code = "card_expired"


class CardNotYetValidError(DocumentError):
    code = "card_not_yet_valid"


class SequenceExhaustedError(KioskError):
    """This machine's range of registration sequence numbers is used up: staff must act."""

    code = "sequence_exhausted"


class DiskFullError(KioskError):
    code = "disk_full"


class CandidateDataError(KioskError):
    """Neither the provincial API nor this point's roster can say whether a candidate is
    registered: the API did not answer and the stored roster does not open on this machine
    (copied from another, damaged). Staff resync it (`kioskctl candidates sync`)."""

    code = "candidate_data_unavailable"
