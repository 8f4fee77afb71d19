"""The staff card certificate profile: who a card's holder is, in its X.509 subject.

The one place that names the province's private OID arc. Like vxsuite (`1.3.6.1.4.1.59817`), the
holder's attributes are subject-name attributes under an enterprise arc:

    STAFF_ARC = 1.3.6.1.4.1.61742.1   (placeholder until the province's IANA number is assigned)
      .1 role            staff | supervisor | technician
      .2 county          six-digit administrative code
      .3 point           registration point ("" = any point of the county)
      .4 staff number    the staff CA's number for this person

The holder's name is the subject's commonName. A card carries two certificates of the same
subject from the same CA: key 9A's (PIV authentication, used after the PIN) and key 9E's (card
authentication, signs without a PIN, so a card is checked before the PIN pad opens).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from kiosk.core.staff import ROLES, StaffCardError, StaffMember, StaffRole

STAFF_ARC = "1.3.6.1.4.1.61742.1"
OID_ROLE = x509.ObjectIdentifier(f"{STAFF_ARC}.1")
OID_COUNTY = x509.ObjectIdentifier(f"{STAFF_ARC}.2")
OID_POINT = x509.ObjectIdentifier(f"{STAFF_ARC}.3")
OID_STAFF_NUMBER = x509.ObjectIdentifier(f"{STAFF_ARC}.4")

MAX_FIELD = 64  # characters in any one attribute


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
    found = name.get_attributes_for_oid(oid)
    if len(found) > 1 or (required and not found):
        raise StaffCardError("untrusted_card", "the certificate is not a staff card's")
    if not found:
        return ""
    value = found[0].value
    if not isinstance(value, str) or len(value) > MAX_FIELD or not value.isprintable():
        raise StaffCardError("untrusted_card", "the certificate is not a staff card's")
    return value


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
    ca_key = ca.public_key()
    if cert.issuer != ca.subject or not isinstance(ca_key, ec.EllipticCurvePublicKey):
        raise StaffCardError("untrusted_card", "not issued by the staff CA this kiosk trusts")
    try:
        ca_key.verify(cert.signature, cert.tbs_certificate_bytes,
                      ec.ECDSA(_hash_of(cert)))
    except InvalidSignature as exc:
        raise StaffCardError("untrusted_card",
                             "not issued by the staff CA this kiosk trusts") from exc
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


def _hash_of(cert: x509.Certificate) -> hashes.HashAlgorithm:
    algorithm = cert.signature_hash_algorithm
    if not isinstance(algorithm, hashes.SHA256 | hashes.SHA384 | hashes.SHA512):
        raise StaffCardError("untrusted_card", "the certificate's signature hash is not allowed")
    return algorithm


def utc_now() -> datetime:
    return datetime.now(UTC)

