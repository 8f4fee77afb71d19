"""Device keys on the wire: an Ed25519 key (a development kiosk's file) or an ECC P-256 key (a
kiosk's TPM, which cannot hold Ed25519), told apart by the key itself, never by a request.

Both sides agree here on four things, so a TPM-held key works wherever a file key did:
- a signature is 64 bytes either way: Ed25519's own, or P-256 ECDSA over SHA-256 as raw r||s
  (RFC 9421's `ecdsa-p256-sha256` form), not DER, whose length varies;
- the algorithm follows the registered key: a verifier picks it from the key it holds for the
  device, so a request or record cannot talk it into a weaker check;
- the key's bytes in a registry: Ed25519 as its raw 32 bytes (as the registry always held
  them), P-256 as DER SubjectPublicKeyInfo; PEM is read too;
- what a signer is (`DeviceSigner`): whatever turns bytes into those 64 bytes, a TPM or a file.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from central_api_client.contract import PUBLIC_KEY_BYTES, SIGNATURE_BYTES

ED25519 = "ed25519"
ECDSA_P256 = "ecdsa-p256-sha256"  # RFC 9421's name, used for records and requests alike
ALGORITHMS = (ED25519, ECDSA_P256)
_P256_COORDINATE = 32

DevicePublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey


@runtime_checkable
class DeviceSigner(Protocol):
    """What signs as the device: `sign` returns the 64-byte signature of `data` (Ed25519, or
    P-256 ECDSA-SHA256 as raw r||s); `algorithm` is one of `ALGORITHMS`."""

    @property
    def algorithm(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> DevicePublicKey: ...


class Ed25519Signer:
    """An Ed25519 private key in memory as a `DeviceSigner` (development keys and tests)."""

    algorithm = ED25519

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()


class P256Signer:
    """A P-256 private key in memory as a `DeviceSigner`: the TPM's algorithm without a TPM, for
    tests of the contract on machines that do not start one."""

    algorithm = ECDSA_P256

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("a device's ECDSA key must be on P-256")
        self._key = key

    def sign(self, data: bytes) -> bytes:
        return p256_raw_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()


def as_signer(key: DeviceSigner | Ed25519PrivateKey) -> DeviceSigner:
    """A signer from either a `DeviceSigner` or a bare Ed25519 key (what callers held before)."""
    if isinstance(key, Ed25519PrivateKey):
        return Ed25519Signer(key)
    return key


def algorithm_of(key: DevicePublicKey) -> str:
    """The one algorithm a device's key verifies with; ValueError for any other key."""
    if isinstance(key, Ed25519PublicKey):
        return ED25519
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return ECDSA_P256
    raise ValueError("a device key is Ed25519 or ECC P-256")


def load_device_public_key(data: bytes) -> DevicePublicKey:
    """A device's public key from a registry's bytes: raw Ed25519 (32 bytes), DER or PEM
    SubjectPublicKeyInfo of an Ed25519 or P-256 key. ValueError for anything else."""
    if len(data) == PUBLIC_KEY_BYTES:
        return Ed25519PublicKey.from_public_bytes(data)
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError):
        raise ValueError("not an Ed25519 or P-256 public key") from None
    if not isinstance(key, Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise ValueError("a device key is Ed25519 or ECC P-256")
    algorithm_of(key)  # P-256 only among the curves
    return key


def device_public_key_bytes(key: DevicePublicKey) -> bytes:
    """The registry's form of a key: raw 32 bytes for Ed25519, DER SubjectPublicKeyInfo for
    P-256 (its one canonical encoding, so an enrolled key compares equal byte for byte)."""
    if isinstance(key, Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    algorithm_of(key)
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def canonical_device_key(data: bytes) -> bytes:
    """`data` (any form `load_device_public_key` reads) in the registry's form; ValueError."""
    return device_public_key_bytes(load_device_public_key(data))


def verify_device_signature(key: DevicePublicKey, signature: bytes, message: bytes) -> None:
    """Raise cryptography's InvalidSignature unless `signature` (64 bytes) is the device's
    over `message`, in the algorithm of `key`."""
    if len(signature) != SIGNATURE_BYTES:
        raise InvalidSignature("a device signature is 64 bytes")
    if isinstance(key, Ed25519PublicKey):
        key.verify(signature, message)
        return
    algorithm_of(key)
    key.verify(p256_der_signature(signature), message, ec.ECDSA(hashes.SHA256()))


def p256_raw_signature(der: bytes) -> bytes:
    """DER (what cryptography and most libraries return) to the fixed 64-byte r||s."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(_P256_COORDINATE, "big") + s.to_bytes(_P256_COORDINATE, "big")


def p256_der_signature(raw: bytes) -> bytes:
    """The 64-byte r||s back to DER, for cryptography's verify."""
    r = int.from_bytes(raw[:_P256_COORDINATE], "big")
    s = int.from_bytes(raw[_P256_COORDINATE:], "big")
    return encode_dss_signature(r, s)
