"""DEVELOPMENT ONLY: the key store as plain files (`tpm = "file:"`, under `--simulate`).

What every kiosk used before the TPM: an Ed25519 device key as a PEM file it makes itself, and
the ID-number hash secret as a file beside the database. A copy of the data dir is a copy of the
machine, which is why `kiosk.core.simulation` refuses `file:` on a real machine. Kept so that
development, demos and the many tests run on machines without a TPM, through the same
Protocols as the TPM.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central_api_client.device_keys import Ed25519Signer
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from hardware.tpm.protocol import TpmError

log = logging.getLogger(__name__)

DEVICE_KEY_FILE = "device_ed25519.pem"
DEVICE_PUBLIC_KEY_FILE = "device_ed25519.pub.pem"
SECRET_SUFFIX = ".secret"  # "device_id_hash.secret", the name the hash secret always had


class FileSecrets:
    """Secrets as owner-only files: `<name>.secret` in the keys dir."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir

    def _path(self, name: str) -> Path:
        return self.keys_dir / f"{name}{SECRET_SUFFIX}"

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def seal(self, name: str, secret: bytes) -> None:
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # keep_existing: never replaces a secret another process made meanwhile.
        atomic_write(self._path(name), secret, mode=0o600, keep_existing=True)

    def unseal(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise TpmError("tpm_key_missing", f"no secret {name!r} in {self.keys_dir}") from None


class FileKeyStore:
    """The development key store of one keys dir."""

    uri = "file:"

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._secrets = FileSecrets(keys_dir)
        event(log, LogEvent.TPM_FILE_KEYS, "DEVELOPMENT key store: the device key and secrets"
              " are plain files in the data dir (not a TPM); only under --simulate",
              level=logging.WARNING, path=str(keys_dir))

    @property
    def secrets(self) -> FileSecrets:
        return self._secrets

    def device_key(self, *, create: bool = False) -> Ed25519Signer:
        """The development Ed25519 key from its PEM file (the contract's in-memory signer)."""
        path = self.keys_dir / DEVICE_KEY_FILE
        if path.exists():
            key = _load_private(path)
        elif create:
            self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            atomic_write(path, pem, mode=0o600)
            event(log, LogEvent.SEAL_DEVICE_KEY_GENERATED, level=logging.WARNING, path=str(path))
        else:
            raise TpmError("tpm_key_missing", f"no device key at {path}")
        public_path = self.keys_dir / DEVICE_PUBLIC_KEY_FILE
        if not public_path.exists():
            atomic_write(public_path, key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        return Ed25519Signer(key)

    def close(self) -> None:
        """Nothing is held open."""


def _load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise TpmError("tpm_failed", f"cannot read the device key {path}: "
                       f"{type(exc).__name__}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise TpmError("tpm_failed", f"{path} is not an Ed25519 private key")
    return key
