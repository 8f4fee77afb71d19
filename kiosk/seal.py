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
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from central_api_client.contract import HPKE_INFO, HPKE_SUITE, utc_timestamp
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from central_api_client.records import SealedRecord
from kiosk.core.record import Record

log = logging.getLogger(__name__)

DEVICE_KEY_FILE = "device_ed25519.pem"
DEVICE_PUBLIC_KEY_FILE = "device_ed25519.pub.pem"
PROVINCE_PUBLIC_KEY_FILE = "province_x25519.pub.pem"
# Named so that nobody mistakes it for something a real machine should carry.
DEV_PROVINCE_PRIVATE_KEY_FILE = "province_x25519.dev-private.pem"


class SealError(Exception):
    """A blob that cannot be opened or verified (wrong key, tampered, not a record)."""


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
            device_key = _load_private(device_path, Ed25519PrivateKey)
        else:
            device_key = Ed25519PrivateKey.generate()
            _write_private(device_path, device_key)
            event(log, LogEvent.SEAL_DEVICE_KEY_GENERATED, level=logging.WARNING,
                  path=str(device_path))
        public_path = keys_dir / DEVICE_PUBLIC_KEY_FILE
        if not public_path.exists():
            _write_public(public_path, device_key.public_key())

        if province_path.exists():
            province_key = _load_public(province_path, X25519PublicKey)
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
        blob = HPKE_SUITE.encrypt(record.payload_bytes(), self._province_key, info=HPKE_INFO)
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


def open_sealed(
    blob: bytes, province_private_key: X25519PrivateKey, expected_record_id: str | None = None
) -> dict[str, Any]:
    """Decrypt a blob with the province's private key and return the payload dict.

    `expected_record_id` guards against a blob stored under another record's metadata. Errors
    say what failed, never what the payload holds.
    """
    try:
        plaintext = HPKE_SUITE.decrypt(blob, province_private_key, info=HPKE_INFO)
    except (InvalidTag, ValueError) as exc:
        raise SealError("blob does not open with this key (wrong key or tampered)") from exc
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SealError("opened blob is not a JSON payload") from exc
    if not isinstance(payload, dict):
        raise SealError("opened blob is not a JSON object")
    if expected_record_id is not None and payload.get("record_id") != expected_record_id:
        raise SealError("payload belongs to another record id")
    return payload


def load_private_key_file(path: Path) -> X25519PrivateKey:
    """The province's X25519 private key from a PEM file (for `provincial-api open`)."""
    return _load_private(path, X25519PrivateKey)


def load_device_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The device's signing key, for the uploader's request signatures (RFC 9421)."""
    return _load_private(keys_dir / DEVICE_KEY_FILE, Ed25519PrivateKey)


def load_device_public_key_bytes(keys_dir: Path) -> bytes:
    """The device's raw public key (for enrolment and support tools, which need no secret)."""
    public_path = keys_dir / DEVICE_PUBLIC_KEY_FILE
    if public_path.exists():
        key = _load_public(public_path, Ed25519PublicKey)
    else:
        key = _load_private(keys_dir / DEVICE_KEY_FILE, Ed25519PrivateKey).public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _load_private(path: Path, kind: type) -> Any:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SealError(f"{path}: not a readable unencrypted PEM private key") from exc
    if not isinstance(key, kind):
        raise SealError(f"{path}: expected a {kind.__name__}")
    return key


def _load_public(path: Path, kind: type) -> Any:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SealError(f"{path}: not a readable PEM public key") from exc
    if not isinstance(key, kind):
        raise SealError(f"{path}: expected a {kind.__name__}")
    return key


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
    atomic_write(path, pem, mode=0o644)
