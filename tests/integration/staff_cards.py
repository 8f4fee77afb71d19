"""Staff cards for the tests: a staff CA, and emulator card files programmed as the staff CA's
issuing would (keys 9A and 9E, their certificates, a PIN), written straight into the
emulator's state rather than over PC/SC, so each test's card costs milliseconds.

Synthetic people only: the names are obviously fictional.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.staffcard.sim.piv import tlv
from hardware.staffcard.sim.state import CardState
from provisioning.admin.staff_ca import StaffCa, init_ca, issue, load_ca

PASSPHRASE = b"test staff CA passphrase"
COUNTY = "430102"
NAMES = {"staff": "测试 工作人员甲", "supervisor": "测试 监督员乙", "technician": "测试 技术员丙"}


def make_ca(folder: Path) -> StaffCa:
    init_ca(folder, PASSPHRASE, name=f"Test staff CA {folder.name}")
    return load_ca(folder, PASSPHRASE)


def _object(cert_der: bytes) -> str:
    return tlv(b"\x53", tlv(b"\x70", cert_der) + b"\x71\x01\x00\xfe\x00").hex()


def make_card(path: Path, ca: StaffCa, *, role: str = "staff", county: str = COUNTY,
              pin: str = "24681357", staff_number: str = "S-0001", days: int | None = None,
              not_before: datetime | None = None, max_tries: int = 15) -> Path:
    state = CardState(pin=pin, max_tries=max_tries, tries_left=max_tries)
    for slot, object_id in (("9a", "5fc105"), ("9e", "5fc101")):
        key = ec.generate_private_key(ec.SECP256R1())
        state.keys[slot] = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        cert = issue(ca, key.public_key(), role=role, name=NAMES[role], county=county,
                     staff_number=staff_number, days=days, not_before=not_before)
        state.objects[object_id] = _object(cert.public_bytes(serialization.Encoding.DER))
    state.save(path)
    return path
