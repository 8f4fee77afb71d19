"""The device key a machine enrols with: the one place that says which key and where it lives.

Today that is the key file `kiosk.seal` signs with (`keys/device_ed25519.pem`), made here when
the machine has none yet; `key_storage` is "file", which only a development server accepts.
The TPM work replaces `device_key_for_enrolment` alone: it returns the TPM key's public PEM
(P-256), "tpm" and the TPM's evidence, and nothing else of enrolment changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from central_api_client.enrolment import KeyStorage, key_fingerprint, load_device_public_key
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from kiosk.seal import DEVICE_KEY_FILE, DEVICE_PUBLIC_KEY_FILE, load_device_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrolmentKey:
    """What enrolment sends of the device key: never the private half."""

    public_pem: str
    storage: KeyStorage
    evidence: str | None = None

    @property
    def sha256(self) -> str:
        """The fingerprint the province's answer must name (`Enrolment.verify`)."""
        return key_fingerprint(load_device_public_key(self.public_pem))


def device_key_for_enrolment(keys_dir: Path) -> EnrolmentKey:
    """The machine's device key for enrolment, made if missing (a key file today).

    Made with `keep_existing`: a kiosk starting at the same moment may make one too, and the
    machine must end up with one key, the one that is enrolled.
    """
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = keys_dir / DEVICE_KEY_FILE
    if not path.exists():
        made = Ed25519PrivateKey.generate()
        if atomic_write(path, made.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                 NoEncryption()),
                        mode=0o600, keep_existing=True):
            # Expected here (enrolment is when a machine gets its key), so not a warning.
            event(log, LogEvent.SEAL_DEVICE_KEY_GENERATED, path=str(path))
    public = load_device_key(keys_dir).public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    public_path = keys_dir / DEVICE_PUBLIC_KEY_FILE
    if not public_path.exists() or public_path.read_bytes() != pem:
        atomic_write(public_path, pem)
    return EnrolmentKey(pem.decode("ascii"), "file")
