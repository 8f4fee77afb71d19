"""The end-of-day report: one wire type for a kiosk telling the province how its day went,
once a supervisor confirmed it on the staff panel.

Counts only, never a candidate: the day (China's calendar), per workflow how many sessions
started, completed, were cancelled, timed out or ended in an exception; sequence numbers used
and voided (the voids by reason); what is still queued; and who confirmed it, by staff number
and the certificate fingerprint of the card they signed in with. The supervisor's card signs
the report itself (key 9A, PIN verified: `card_signature`, ECDSA P-256 over the SHA-256 of
`signed_bytes(device_id)`: the report and the kiosk it is for) and the report carries that
card's certificate, so the province holds the
supervisor's own confirmation, not only the device's word: `verify_card_signature` checks the
signature and that the certificate is the one `card_fingerprint` names; `check_card_issuer`
that the staff CA issued it to the supervisor the report names. The request is signed by the
device like every request; the province keeps one report per (device, day), a later
confirmation of the same day replacing the earlier. Parsed strictly with bounds on both sides.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from central_api_client.contract import is_utc_timestamp
from central_api_client.staff_certificate import (
    OID_ROLE,
    OID_STAFF_NUMBER,
    NotAStaffCertificate,
    attribute,
    issued_by,
)

MAX_DAY_REPORT_BODY_BYTES = 8 * 1024
MAX_CARD_SIGNATURE_BYTES = 80  # an ECDSA P-256 signature in DER is at most 72
MAX_CARD_CERTIFICATE_BYTES = 3 * 1024
MAX_COUNT = 1_000_000
MAX_WORKFLOWS = 8
OUTCOMES = ("started", "completed", "cancelled", "timed_out", "exception")
VOID_REASONS = ("candidate_left", "machine_fault", "wrong_person")
WORKFLOW_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
STAFF_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$"
FINGERPRINT_PATTERN = r"^[0-9a-f]{64}$"
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SIGNED_FIELDS = ("day", "counts", "numbers_used", "numbers_voided", "void_reasons",
                 "queue_depth", "confirmed_by", "card_fingerprint", "confirmed_at")
FIELDS = (*SIGNED_FIELDS, "card_signature", "card_certificate")

_WORKFLOW = re.compile(WORKFLOW_PATTERN)
_STAFF_NUMBER = re.compile(STAFF_NUMBER_PATTERN)
_FINGERPRINT = re.compile(FINGERPRINT_PATTERN)
_DAY = re.compile(DAY_PATTERN)


class DayReportFormatError(ValueError):
    """A day report that is not one (the server answers 422 with this text)."""


def _b64(value: object, name: str, limit: int) -> bytes:
    """Strict standard base64 of at most `limit` bytes; "" (not signed yet) reads as b""."""
    if not isinstance(value, str) or len(value) > (limit + 2) // 3 * 4:
        raise DayReportFormatError(f"{name} is base64 of at most {limit} bytes")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DayReportFormatError(f"{name} is base64 of at most {limit} bytes") from None


def _count(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise DayReportFormatError(f"{name} is an integer from 0 to {MAX_COUNT}")
    return value


@dataclass(frozen=True)
class DayReportWire:
    day: str  # YYYY-MM-DD, China's calendar day
    numbers_used: int
    numbers_voided: int
    queue_depth: int
    confirmed_by: str  # the supervisor's staff number
    card_fingerprint: str  # sha256 of their card's certificate, hex
    confirmed_at: str  # `contract.utc_timestamp`'s form
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    void_reasons: dict[str, int] = field(default_factory=dict)
    card_signature: str = ""  # base64 DER ECDSA by the card's key 9A; "" until the card signed
    card_certificate: str = ""  # base64 DER of that key's certificate

    def __post_init__(self) -> None:
        if not isinstance(self.day, str) or not _DAY.fullmatch(self.day):
            raise DayReportFormatError("day is YYYY-MM-DD")
        try:
            date.fromisoformat(self.day)
        except ValueError:
            raise DayReportFormatError("day is a real calendar day") from None
        for name in ("numbers_used", "numbers_voided", "queue_depth"):
            _count(getattr(self, name), name)
        if not isinstance(self.confirmed_by, str) or not _STAFF_NUMBER.fullmatch(
                self.confirmed_by):
            raise DayReportFormatError(
                "confirmed_by is a staff number: 1-32 letters, digits, . _ / -")
        if not isinstance(self.card_fingerprint, str) or not _FINGERPRINT.fullmatch(
                self.card_fingerprint):
            raise DayReportFormatError("card_fingerprint is 64 lower-case hex digits")
        if not is_utc_timestamp(self.confirmed_at):
            raise DayReportFormatError("confirmed_at is a UTC timestamp with milliseconds")
        if not isinstance(self.counts, dict) or len(self.counts) > MAX_WORKFLOWS:
            raise DayReportFormatError(f"counts holds at most {MAX_WORKFLOWS} workflows")
        for workflow, per in self.counts.items():
            if not isinstance(workflow, str) or not _WORKFLOW.fullmatch(workflow):
                raise DayReportFormatError("a workflow is a short lower-case name")
            if not isinstance(per, dict) or set(per) != set(OUTCOMES):
                raise DayReportFormatError(f"counts.{workflow} has exactly "
                                           + ", ".join(OUTCOMES))
            for outcome, n in per.items():
                _count(n, f"counts.{workflow}.{outcome}")
        if not isinstance(self.void_reasons, dict) or not set(self.void_reasons) <= set(
                VOID_REASONS):
            raise DayReportFormatError("void_reasons counts by " + ", ".join(VOID_REASONS))
        for reason, n in self.void_reasons.items():
            _count(n, f"void_reasons.{reason}")
        _b64(self.card_signature, "card_signature", MAX_CARD_SIGNATURE_BYTES)
        _b64(self.card_certificate, "card_certificate", MAX_CARD_CERTIFICATE_BYTES)

    def signed_bytes(self, device_id: str) -> bytes:
        """What the supervisor's card signs: the report without the signature and the
        certificate, and the device it is for (so it cannot be posted as another kiosk's), as
        canonical JSON (sorted keys, no spaces, UTF-8)."""
        wire = self.to_wire()
        body = {name: wire[name] for name in SIGNED_FIELDS} | {"device_id": device_id}
        return json.dumps(body, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()

    def digest(self, device_id: str) -> bytes:
        """SHA-256 of `signed_bytes(device_id)`: the digest the card's key signs."""
        return hashlib.sha256(self.signed_bytes(device_id)).digest()

    def to_wire(self) -> dict[str, Any]:
        """The request body of `POST /v1/day-reports` (also how the server keeps it)."""
        return {"day": self.day,
                "counts": {w: {o: per[o] for o in OUTCOMES} for w, per in
                           sorted(self.counts.items())},
                "numbers_used": self.numbers_used, "numbers_voided": self.numbers_voided,
                "void_reasons": dict(sorted(self.void_reasons.items())),
                "queue_depth": self.queue_depth, "confirmed_by": self.confirmed_by,
                "card_fingerprint": self.card_fingerprint, "confirmed_at": self.confirmed_at,
                "card_signature": self.card_signature,
                "card_certificate": self.card_certificate}


def verify_card_signature(report: DayReportWire, device_id: str) -> None:
    """DayReportFormatError unless the report carries a certificate whose SHA-256 is its
    `card_fingerprint`, with an EC P-256 key that signed `report.digest(device_id)`."""
    signature = _b64(report.card_signature, "card_signature", MAX_CARD_SIGNATURE_BYTES)
    der = _b64(report.card_certificate, "card_certificate", MAX_CARD_CERTIFICATE_BYTES)
    if not signature or not der:
        raise DayReportFormatError("the report is not signed by the supervisor's card")
    if hashlib.sha256(der).hexdigest() != report.card_fingerprint:
        raise DayReportFormatError("card_certificate is not the card card_fingerprint names")
    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise DayReportFormatError("card_certificate is not an X.509 certificate with an EC"
                                   " P-256 key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise DayReportFormatError("card_certificate's key is not EC P-256")
    try:
        key.verify(signature, report.digest(device_id), ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise DayReportFormatError("card_signature does not verify for this report") from None


def parse_day_report(data: object) -> DayReportWire:
    """A day report, strictly: exactly its keys, each within its bounds, nothing else."""
    if not isinstance(data, dict) or set(data) != set(FIELDS):
        raise DayReportFormatError("a day report has exactly the keys " + ", ".join(FIELDS))
    counts, reasons = data["counts"], data["void_reasons"]
    if not isinstance(counts, dict) or not all(isinstance(v, dict) for v in counts.values()):
        raise DayReportFormatError("counts is an object of workflow -> outcome -> count")
    if not isinstance(reasons, dict):
        raise DayReportFormatError("void_reasons is an object of reason -> count")
    return DayReportWire(
        day=data["day"], numbers_used=data["numbers_used"],
        numbers_voided=data["numbers_voided"], queue_depth=data["queue_depth"],
        confirmed_by=data["confirmed_by"], card_fingerprint=data["card_fingerprint"],
        confirmed_at=data["confirmed_at"], counts={k: dict(v) for k, v in counts.items()},
        void_reasons=dict(reasons), card_signature=data["card_signature"],
        card_certificate=data["card_certificate"])


def check_card_issuer(report: DayReportWire, staff_ca: x509.Certificate) -> None:
    """DayReportFormatError unless the card that signed the report (`verify_card_signature`
    first) was issued by `staff_ca`, was valid when it confirmed, is a supervisor's, and
    holds the staff number the report names."""
    der = _b64(report.card_certificate, "card_certificate", MAX_CARD_CERTIFICATE_BYTES)
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise DayReportFormatError("card_certificate is not an X.509 certificate") from None
    if not issued_by(cert, staff_ca):
        raise DayReportFormatError("card_certificate was not issued by the staff CA")
    at = datetime.fromisoformat(report.confirmed_at.replace("Z", "+00:00"))
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise DayReportFormatError("the card was not valid when it confirmed the report")
    try:
        role = attribute(cert.subject, OID_ROLE)
        number = attribute(cert.subject, OID_STAFF_NUMBER)
    except NotAStaffCertificate as exc:
        raise DayReportFormatError(str(exc)) from None
    if role != "supervisor":
        raise DayReportFormatError("the card that confirmed the report is not a supervisor's")
    if number != report.confirmed_by:
        raise DayReportFormatError("confirmed_by is not the staff number of the card")
