"""The province's staff CA: its key and certificate in a folder, and the staff card
certificates it issues (the profile is `hardware.staffcard.profile`).

The CA key is P-256, encrypted with a passphrase like the admins' signing keys (`keys.py`);
the kiosk trusts the CA certificate, from `[staff] ca` in kiosk.toml or the signed bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from central_api_client.files import atomic_write
from hardware.staffcard.profile import staff_subject

CA_KEY, CA_CERT = "staff-ca.key", "staff-ca.pem"
CA_YEARS = 10
# How long a card is valid by default, per role (vxsuite: admins' cards years, poll workers'
# months); `--days` overrides.
DEFAULT_DAYS = {"staff": 183, "supervisor": 730, "technician": 730}


class StaffCaError(Exception):
    """The CA folder cannot be used (never says the passphrase)."""


@dataclass(frozen=True)
class StaffCa:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def init_ca(folder: Path, passphrase: bytes, *, name: str = "Hunan exam staff CA") -> Path:
    """A new CA in `folder` (refuses to overwrite); returns the certificate's path."""
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / CA_KEY, folder / CA_CERT
    if key_path.exists() or cert_path.exists():
        raise StaffCaError(f"{folder} holds a staff CA already")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    atomic_write(key_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase)), mode=0o600, keep_existing=True)
    atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644,
                 keep_existing=True)
    return cert_path


def load_ca(folder: Path, passphrase: bytes) -> StaffCa:
    try:
        cert = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), passphrase)
    except OSError as exc:
        raise StaffCaError(f"{folder}: no staff CA there ({exc.strerror})") from None
    except (ValueError, TypeError):
        raise StaffCaError(f"{folder}: wrong passphrase or not a staff CA") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise StaffCaError(f"{folder}: not a staff CA's key")
    return StaffCa(key, cert)


def issue(ca: StaffCa, public_key: ec.EllipticCurvePublicKey, *, role: str, name: str,
          staff_number: str, county: str, point: str = "", days: int | None = None,
          not_before: datetime | None = None) -> x509.Certificate:
    """A staff card certificate for `public_key`. Raises ValueError on a bad field."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or \
            public_key.curve.name != "secp256r1":
        raise ValueError("a staff card key must be P-256")
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    length = timedelta(days=days if days is not None else DEFAULT_DAYS.get(role, 183))
    return (x509.CertificateBuilder()
            .subject_name(staff_subject(role=role, name=name, staff_number=staff_number,
                                        county=county, point=point))
            .issuer_name(ca.cert.subject).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + length)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca.key, hashes.SHA256()))


def public_key_from_point(point: bytes) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


