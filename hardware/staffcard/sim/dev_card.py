"""The development staff card of `kiosk --simulate`: a development staff CA and a supervisor's
card it issued, made on first use in the simulator's folder (never shipped as files: they hold
private keys). The CA certificate is named `staff-ca.dev.pem`, which a real machine refuses
(`kiosk.core.simulation.is_development_key`). The card's PIN is DEV_PIN.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hardware.staffcard.profile import staff_subject
from hardware.staffcard.sim.piv import tlv
from hardware.staffcard.sim.state import CardState

DEV_PIN = "24681357"
DEV_CA_FILE = "staff-ca.dev.pem"
DEV_CARD_FILE = "card-supervisor.dev.json"
CERT_OBJECTS = {"9a": "5fc105", "9e": "5fc101"}


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def ensure_dev_card(folder: Path, county: str = "430102") -> tuple[Path, Path]:
    """(the development CA certificate, the card's state file), made if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, card_path = folder / DEV_CA_FILE, folder / DEV_CARD_FILE
    if ca_path.exists() and card_path.exists():
        return ca_path, card_path
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Development staff CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    subject = staff_subject(role="supervisor", name="开发 测试员", staff_number="DEV-0001",
                            county=county)
    state = CardState(pin=DEV_PIN)
    for slot, object_id in CERT_OBJECTS.items():
        key = ec.generate_private_key(ec.SECP256R1())
        state.keys[slot] = _pem_key(key)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=3650)).sign(ca_key, hashes.SHA256()))
        der = cert.public_bytes(serialization.Encoding.DER)
        state.objects[object_id] = tlv(b"\x53", tlv(b"\x70", der) + b"\x71\x01\x00\xfe\x00").hex()
    state.save(card_path)
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return ca_path, card_path
