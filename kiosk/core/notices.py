"""Every code a notice screen can show, in one table.

A notice is where a session stops for the candidate's attention or staff's: a card that cannot
be accepted, a dispute, the retake limit, a machine problem. Steps and the session only ever
name a `Notice`, so the text table (`kiosk.core.texts`) can be checked to hold a title and a
message for each one in every language; nothing is looked up by a string put together at run
time.
"""

from __future__ import annotations

from enum import StrEnum


class Notice(StrEnum):
    """What the notice screen says; the value is the stable code tests and logs see."""

    # The card was read, but what it says cannot be accepted (kiosk.core.errors codes).
    DOCUMENT_INVALID = "document_invalid"
    ID_NUMBER_FORMAT = "id_number_format"
    ID_NUMBER_CHECKSUM = "id_number_checksum"
    ID_NUMBER_BIRTH_DATE = "id_number_birth_date"
    ID_NUMBER_SEX_MISMATCH = "id_number_sex_mismatch"
    CARD_EXPIRED = "card_expired"
    CARD_NOT_YET_VALID = "card_not_yet_valid"
    # The reader gave up on the card after its retries.
    CARD_UNREADABLE = "card_unreadable"
    # The candidate says the data shown is not theirs or is wrong: staff correct it.
    IDENTITY_DISPUTED = "identity_disputed"
    DATA_DISPUTED = "data_disputed"
    # The second visits (`confirm`, `adult-confirm`; kiosk.core.confirmation): no online
    # registration for this card; the adult exam's registration names another point (the
    # message says which), or needs a point designated for minors or the medical track; the
    # candidate asked for a correction of the online data, which staff make.
    CANDIDATE_NOT_FOUND = "candidate_not_found"
    WRONG_POINT = "wrong_point"
    MINOR_NOT_DESIGNATED = "minor_not_designated"
    MEDICAL_NOT_DESIGNATED = "medical_not_designated"
    # The photo step.
    PHOTO_RETAKES_EXHAUSTED = "photo_retakes_exhausted"
    CAMERA_UNAVAILABLE = "camera_unavailable"
    # The signature step: the record would be larger than the kiosk may seal
    # (`kiosk.core.record_limits`); staff help the candidate sign again.
    RECORD_TOO_LARGE = "record_too_large"
    # The central configuration (kiosk.core.schedule): no new session now.
    SERVICE_PAUSED = "service_paused"
    OUTSIDE_WINDOW = "outside_window"
    NOT_IN_AUDIENCE = "not_in_audience"
    CONFIG_EXPIRED = "config_expired"
    # The machine: staff must act.
    SEQUENCE_EXHAUSTED = "sequence_exhausted"
    DISK_FULL = "disk_full"
    # No upload has succeeded (and nothing was exported) for `upload.freeze_after_days`
    # (`kiosk.core.freeze`): staff must get the records off the machine first.
    UPLOAD_OVERDUE = "upload_overdue"
    PRINT_FAILED = "print_failed"
    INTERNAL_ERROR = "internal_error"
    # Any other error code an effect or device reports: the generic "ask staff" notice.
    ASK_STAFF = "default"

    @classmethod
    def for_code(cls, code: str) -> Notice:
        """The notice for an error code from an effect or a device.

        Codes that have no notice of their own (a new device's, a store's) are still a
        problem staff can act on, so they get the generic ask-staff notice rather than none.
        """
        try:
            return cls(code)
        except ValueError:
            return cls.ASK_STAFF
