"""The staff card certificate profile: who a card's holder is, in its X.509 subject.

Like vxsuite (`1.3.6.1.4.1.59817`), the holder's attributes are subject-name attributes under
the province's private enterprise arc, named in `central_api_client.staff_certificate` (the
province reads the same attributes of a day report's card): role, county, point, staff number.

The holder's name is the subject's commonName. A card carries two certificates of the same
subject from the same CA: key 9A's (PIV authentication, used after the PIN) and key 9E's (card
authentication, signs without a PIN, so a card is checked before the PIN pad opens).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from central_api_client.staff_certificate import (
    MAX_FIELD,
    OID_COUNTY,
    OID_POINT,
    OID_ROLE,
    OID_STAFF_NUMBER,
    NotAStaffCertificate,
    attribute,
    issued_by,
)
from kiosk.core.staff import ROLES, StaffCardError, StaffMember, StaffRole


def staff_subject(*, role: str, name: str, staff_number: str, county: str,
                  point: str = "") -> x509.Name:
    """The subject of a staff card's certificates. Raises ValueError on a bad field."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not (len(county) == 6 and county.isdigit()):
        raise ValueError("county must be a six-digit administrative code")
    for label, value in (("name", name), ("staff number", staff_number)):
        if not value or len(value) > MAX_FIELD or not value.isprintable():
            raise ValueError(f"{label} must be 1 to {MAX_FIELD} printable characters")
    if len(point) > MAX_FIELD or not point.isprintable():
        raise ValueError(f"point must be at most {MAX_FIELD} printable characters")
    utf8 = _ASN1Type.UTF8String
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(OID_ROLE, role, utf8),
        x509.NameAttribute(OID_COUNTY, county, utf8),
        x509.NameAttribute(OID_STAFF_NUMBER, staff_number, utf8),
    ]
    if point:
        attributes.append(x509.NameAttribute(OID_POINT, point, utf8))
    return x509.Name(attributes)


def _one(name: x509.Name, oid: x509.ObjectIdentifier, *, required: bool = True) -> str:
    try:
        return attribute(name, oid, required=required)
    except NotAStaffCertificate as exc:
        raise StaffCardError("untrusted_card", str(exc)) from None


def parse_certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise StaffCardError("untrusted_card", "the card's certificate does not parse") from exc


def check_certificate(cert: x509.Certificate, ca: x509.Certificate, *, now: datetime,
                      county: str | None) -> StaffMember:
    """The holder the certificate names, once it is signed by `ca`, valid at `now`, a P-256
    key and (when `county` is set) for that county (six digits), or any county of that city
    (four digits). Raises StaffCardError."""
    if not issued_by(cert, ca):
        raise StaffCardError("untrusted_card", "not issued by the staff CA this kiosk trusts")
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise StaffCardError("untrusted_card", "the card's key is not P-256")
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise StaffCardError("expired_card",
                             f"valid {cert.not_valid_before_utc:%Y-%m-%d} to "
                             f"{cert.not_valid_after_utc:%Y-%m-%d}")
    role = _one(cert.subject, OID_ROLE)
    if role not in ROLES:
        raise StaffCardError("untrusted_card", "the certificate names no known role")
    member = StaffMember(
        name=_one(cert.subject, NameOID.COMMON_NAME), staff_number=_one(cert.subject,
                                                                        OID_STAFF_NUMBER),
        role=_role(role), county=_one(cert.subject, OID_COUNTY),
        point=_one(cert.subject, OID_POINT, required=False),
        not_after=cert.not_valid_after_utc,
        fingerprint=hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest())
    if county is not None and not _for_county(member.county, county):
        raise StaffCardError("wrong_county", f"the card is for county {member.county}")
    return member


def _for_county(card_county: str, kiosk_county: str) -> bool:
    """A six-digit `kiosk_county` must match; a city's four digits admit its counties."""
    if len(kiosk_county) == 4:
        return card_county[:4] == kiosk_county
    return card_county == kiosk_county


def _role(value: str) -> StaffRole:
    for role in ROLES:
        if role == value:
            return role
    raise StaffCardError("untrusted_card", "the certificate names no known role")


def utc_now() -> datetime:
    return datetime.now(UTC)

