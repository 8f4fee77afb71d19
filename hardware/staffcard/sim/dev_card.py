"""The development staff cards of `kiosk --simulate`: a development staff CA and the cards it
issued, a clerk's (role staff) and a supervisor's, so that a hand entry can be entered by one and
approved by the other; made on first use in the simulator's folder (never shipped as files: they
hold private keys). The CA certificate is named `staff-ca.dev.pem`, which a real machine refuses
(`kiosk.core.simulation.is_development_key`). Every card's PIN is DEV_PIN. `DevStaffSlot` puts
them into the simulated reader (the simulator's buttons on screen).
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
from hardware.staffcard.sim.vpcd import VirtualCard

DEV_PIN = "24681357"
DEV_CA_FILE = "staff-ca.dev.pem"
DEV_CARD_FILE = "card-supervisor.dev.json"
# holder → (role, name, staff number): the cards `ensure_dev_card` makes
DEV_HOLDERS = {"staff": ("staff", "开发 员工", "DEV-0002"),
               "supervisor": ("supervisor", "开发 测试员", "DEV-0001")}
CERT_OBJECTS = {"9a": "5fc105", "9e": "5fc101"}


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def dev_card_path(folder: Path, holder: str) -> Path:
    return folder / f"card-{holder}.dev.json"


def ensure_dev_card(folder: Path, county: str = "430102") -> tuple[Path, Path]:
    """(the development CA certificate, the supervisor card's state file), made with the other
    holders' cards if any is missing."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_path = folder / DEV_CA_FILE
    cards = {holder: dev_card_path(folder, holder) for holder in DEV_HOLDERS}
    if ca_path.exists() and all(path.exists() for path in cards.values()):
        return ca_path, cards["supervisor"]
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Development staff CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    for holder, (role, name, number) in DEV_HOLDERS.items():
        subject = staff_subject(role=role, name=name, staff_number=number, county=county)
        state = CardState(pin=DEV_PIN)
        for slot, object_id in CERT_OBJECTS.items():
            key = ec.generate_private_key(ec.SECP256R1())
            state.keys[slot] = _pem_key(key)
            cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
                    .public_key(key.public_key()).serial_number(x509.random_serial_number())
                    .not_valid_before(now - timedelta(days=1))
                    .not_valid_after(now + timedelta(days=3650)).sign(ca_key, hashes.SHA256()))
            der = cert.public_bytes(serialization.Encoding.DER)
            state.objects[object_id] = tlv(b"\x53", tlv(b"\x70", der)
                                           + b"\x71\x01\x00\xfe\x00").hex()
        state.save(cards[holder])
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return ca_path, cards["supervisor"]


class DevStaffSlot:
    """The simulated reader's slot for the development cards: `insert(holder)` puts that
    holder's card in (taking out any other first), `remove()` pulls it out. The emulator runs
    on a thread of the kiosk's own process and speaks vpcd to the private pcscd, which the
    kiosk's PC/SC adapter reads like any reader."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._card: VirtualCard | None = None

    def insert(self, holder: str) -> None:
        self.remove()
        port = int((self.folder / "vpcd.port").read_text(encoding="ascii"))
        card = VirtualCard(dev_card_path(self.folder, holder), port)
        card.insert()
        self._card = card

    def remove(self) -> None:
        if self._card is not None:
            self._card.remove()
            self._card = None
