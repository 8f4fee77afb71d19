"""Sealing: a record leaves memory only encrypted to the province and signed by this machine.

HPKE (RFC 9180) to the province's X25519 public key means the kiosk cannot read a record back
once sealed, so a stolen machine or disk yields ciphertext only. The Ed25519 device signature
over the ciphertext's hash and the record's metadata lets the province tell which machine
produced a blob and that nobody changed it or moved it under another record id on the way.

Keys live as PEM files in the machine's keys directory. On a machine that has none yet
(development, demos, tests) `Sealer.from_keys_dir` makes a device key and a *development*
province key pair, and leaves the development private key beside them so records can be opened
locally; a provisioned machine has the real province public key and no private key at all.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from central_api_client.contract import HPKE_SUITE, hpke_info, utc_timestamp
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from central_api_client.opening import SealError as SealError
from central_api_client.opening import load_private_pem, load_public_pem
from central_api_client.records import SealedRecord
from kiosk.core.record import Record

log = logging.getLogger(__name__)

DEVICE_KEY_FILE = "device_ed25519.pem"
DEVICE_PUBLIC_KEY_FILE = "device_ed25519.pub.pem"
PROVINCE_PUBLIC_KEY_FILE = "province_x25519.pub.pem"
# Named so that nobody mistakes it for something a real machine should carry.
DEV_PROVINCE_PRIVATE_KEY_FILE = "province_x25519.dev-private.pem"


class Sealer:
    """Seals records of one device to one province key."""

    def __init__(
        self, device_key: Ed25519PrivateKey, province_key: X25519PublicKey, device_id: str
    ) -> None:
        self._device_key = device_key
        self._province_key = province_key
        self.device_id = device_id

    @classmethod
    def from_keys_dir(
        cls, keys_dir: Path, device_id: str, *, generate_dev_keys: bool = True
    ) -> Sealer:
        """Load the keys of `keys_dir`, making development keys for whatever is missing.

        `generate_dev_keys=False` is for a provisioned machine, where a missing province key
        must stop the kiosk rather than seal records to a key the province does not have.
        """
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        device_path = keys_dir / DEVICE_KEY_FILE
        province_path = keys_dir / PROVINCE_PUBLIC_KEY_FILE
        missing = [p.name for p in (device_path, province_path) if not p.exists()]
        if missing and not generate_dev_keys:
            raise SealError(f"missing key files in {keys_dir}: {', '.join(missing)}")

        if device_path.exists():
            device_key = load_private_pem(device_path, Ed25519PrivateKey)
        else:
            device_key = Ed25519PrivateKey.generate()
            _write_private(device_path, device_key)
            event(log, LogEvent.SEAL_DEVICE_KEY_GENERATED, level=logging.WARNING,
                  path=str(device_path))
        public_path = keys_dir / DEVICE_PUBLIC_KEY_FILE
        if not public_path.exists():
            _write_public(public_path, device_key.public_key())

        if province_path.exists():
            province_key = load_public_pem(province_path, X25519PublicKey)
        else:
            dev_private = X25519PrivateKey.generate()
            _write_private(keys_dir / DEV_PROVINCE_PRIVATE_KEY_FILE, dev_private)
            _write_public(province_path, dev_private.public_key())
            province_key = dev_private.public_key()
            event(
                log,
                LogEvent.SEAL_DEV_PROVINCE_KEY_GENERATED,
                "development province key generated: records are NOT sealed to the province",
                level=logging.WARNING,
                path=str(province_path),
            )
        return cls(device_key, province_key, device_id)

    @property
    def device_public_key(self) -> Ed25519PublicKey:
        return self._device_key.public_key()

    def device_public_key_bytes(self) -> bytes:
        """The raw 32 bytes of the device key, as the province's device registry holds it."""
        return self.device_public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def seal(self, record: Record) -> SealedRecord:
        """Encrypt the record's canonical payload and sign the result with the device key."""
        if record.device_id != self.device_id:
            raise ValueError("record was made on another device id than this sealer's")
        # The ids go into HPKE's info as well as the signature: the blob opens for them only.
        info = hpke_info(record_id=record.record_id, device_id=self.device_id)
        blob = HPKE_SUITE.encrypt(record.payload_bytes(), self._province_key, info=info)
        unsigned = SealedRecord(
            record_id=record.record_id,
            device_id=self.device_id,
            workflow=record.workflow,
            created_at=utc_timestamp(record.created_at),
            size=len(blob),
            sha256=hashlib.sha256(blob).hexdigest(),
            blob=blob,
            signature=b"",
        )
        signature = self._device_key.sign(unsigned.signed_message())
        return replace(unsigned, signature=signature)


def load_device_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The device's signing key, for the uploader's request signatures (RFC 9421)."""
    return load_private_pem(keys_dir / DEVICE_KEY_FILE, Ed25519PrivateKey)


def load_device_public_key_bytes(keys_dir: Path) -> bytes:
    """The device's raw public key (for enrolment and support tools, which need no secret)."""
    public_path = keys_dir / DEVICE_PUBLIC_KEY_FILE
    if public_path.exists():
        key = load_public_pem(public_path, Ed25519PublicKey)
    else:
        key = load_private_pem(keys_dir / DEVICE_KEY_FILE, Ed25519PrivateKey).public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _write_private(path: Path, key: Ed25519PrivateKey | X25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    atomic_write(path, pem, mode=0o600)


def _write_public(path: Path, key: Ed25519PublicKey | X25519PublicKey) -> None:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    atomic_write(path, pem)  # as the umask says: owner-only in the kiosk's programs
