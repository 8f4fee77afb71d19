"""Opening a sealed record: the province's side of HPKE (RFC 9180), and its PEM key files.

Only the province holds the X25519 private key, so only it can read a record; the kiosk seals
to the public half and cannot read its own records back. Here, in the contract package beside
the HPKE suite, so the reference server (`provincial-api open`) opens records without importing
the kiosk, and the kiosk's sealing (`kiosk.seal`) loads its key files with the same code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central_api_client.contract import HPKE_SUITE, hpke_info


class SealError(Exception):
    """A blob that cannot be opened or verified (wrong key, tampered, not a record), or a key
    file that cannot be read."""


def open_sealed(
    blob: bytes, province_private_key: X25519PrivateKey, *, record_id: str, device_id: str
) -> dict[str, Any]:
    """Decrypt a blob with the province's private key and return the payload dict.

    The blob opens only as sealed for this `record_id` and `device_id` (HPKE `info`,
    `contract.hpke_info`), and the payload must name the same two: a blob stored under another
    record's or device's metadata is refused. Errors say what failed, never what the payload
    holds.
    """
    info = hpke_info(record_id=record_id, device_id=device_id)
    try:
        plaintext = HPKE_SUITE.decrypt(blob, province_private_key, info=info)
    except (InvalidTag, ValueError) as exc:
        raise SealError("blob does not open with this key for this record id and device"
                        " (wrong key, tampered, or sealed for another record)") from exc
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SealError("opened blob is not a JSON payload") from exc
    if not isinstance(payload, dict):
        raise SealError("opened blob is not a JSON object")
    if payload.get("record_id") != record_id:
        raise SealError("payload belongs to another record id")
    if payload.get("device_id") != device_id:
        raise SealError("payload names another device than the record")
    return payload


def load_private_key_file(path: Path) -> X25519PrivateKey:
    """The province's X25519 private key from a PEM file (for `provincial-api open`)."""
    key: X25519PrivateKey = load_private_pem(path, X25519PrivateKey)
    return key


def load_private_pem(path: Path, kind: type) -> Any:
    """An unencrypted PEM private key of `kind`; SealError saying which file, never its bytes."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SealError(f"{path}: not a readable unencrypted PEM private key") from exc
    if not isinstance(key, kind):
        raise SealError(f"{path}: expected a {kind.__name__}")
    return key


def load_public_pem(path: Path, kind: type) -> Any:
    """A PEM public key of `kind`; SealError saying which file."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SealError(f"{path}: not a readable PEM public key") from exc
    if not isinstance(key, kind):
        raise SealError(f"{path}: expected a {kind.__name__}")
    return key
