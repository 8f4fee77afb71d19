"""The staff card certificate, as both sides read it: the province's private OID arc for the
holder's attributes, and whether a certificate was issued by the staff CA. The kiosk's card
profile (`hardware/staffcard/profile.py`) and the province's check of a day report's card
(`central_api_client.day_report`) share it, so the arc is named in one place.

    STAFF_ARC = 1.3.6.1.4.1.61742.1   (placeholder until the province's IANA number is assigned)
      .1 role            staff | supervisor | technician
      .2 county          six-digit administrative code
      .3 point           registration point ("" = any point of the county)
      .4 staff number    the staff CA's number for this person
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

STAFF_ARC = "1.3.6.1.4.1.61742.1"
OID_ROLE = x509.ObjectIdentifier(f"{STAFF_ARC}.1")
OID_COUNTY = x509.ObjectIdentifier(f"{STAFF_ARC}.2")
OID_POINT = x509.ObjectIdentifier(f"{STAFF_ARC}.3")
OID_STAFF_NUMBER = x509.ObjectIdentifier(f"{STAFF_ARC}.4")
MAX_FIELD = 64  # characters in any one attribute


class NotAStaffCertificate(ValueError):
    """The certificate is not one the staff CA issued, or its subject is not a holder's."""


def issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    """Whether `ca` (an EC key) signed `cert` with SHA-256/384/512 and is named its issuer."""
    ca_key = ca.public_key()
    algorithm = cert.signature_hash_algorithm
    if cert.issuer != ca.subject or not isinstance(ca_key, ec.EllipticCurvePublicKey) \
            or not isinstance(algorithm, hashes.SHA256 | hashes.SHA384 | hashes.SHA512):
        return False
    try:
        ca_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
    except InvalidSignature:
        return False
    return True


def attribute(name: x509.Name, oid: x509.ObjectIdentifier, *, required: bool = True) -> str:
    """One attribute of a holder's subject ("" when absent and not required); at most one,
    printable, at most MAX_FIELD characters, else NotAStaffCertificate."""
    found = name.get_attributes_for_oid(oid)
    if len(found) > 1 or (required and not found):
        raise NotAStaffCertificate("the certificate is not a staff card's")
    if not found:
        return ""
    value = found[0].value
    if not isinstance(value, str) or len(value) > MAX_FIELD or not value.isprintable():
        raise NotAStaffCertificate("the certificate is not a staff card's")
    return value
