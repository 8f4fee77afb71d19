"""Errors a candidate or staff member can meet, each with a stable code.

The code is what the UI maps to a screen and a message (see `kiosk.ui.strings`), and what logs
carry: the message text never holds an ID number or a name.
"""

from __future__ import annotations


class KioskError(Exception):
    """Base of every error the kiosk turns into a message for a person."""

    code: str = "kiosk_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


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
