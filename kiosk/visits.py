"""A keyed hash of the ID number, so the kiosk can notice a second visit without keeping it.

A plain hash of an 18-character ID number is no protection: the space is small enough to
enumerate (birth dates, county codes, a check digit). HMAC-SHA256 with a random 32-byte secret
made on this machine, which never leaves it, means a copy of the database alone reveals nothing,
and hashes from two machines cannot be joined.

On a kiosk the secret is sealed to its TPM (`from_secrets` over `hardware.tpm`'s
`SealedSecrets`): the blob in the data dir unseals only there, so a copy of the whole data dir,
secret blob included, still recovers no ID number. `from_keys_dir` (a plain file beside the
database) is for `--simulate` and tests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from central_api_client.files import atomic_write
from hardware.tpm import ID_HASH_SECRET, SealedSecrets

DEVICE_SECRET_FILE = "device_id_hash.secret"
SECRET_BYTES = 32
_CONTEXT = b"hunan-exam-kiosk/id-number-hash/v1\x00"


class IdHasher:
    """Keyed hashes of ID numbers for one machine."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the device secret must be at least 16 bytes")
        self._secret = secret

    @classmethod
    def from_keys_dir(cls, keys_dir: Path) -> IdHasher:
        """Load the machine's secret, making it on first use (written atomically, 0600)."""
        path = keys_dir / DEVICE_SECRET_FILE
        if not path.exists():
            keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            # keep_existing: never replaces a secret another process made meanwhile.
            atomic_write(path, secrets.token_bytes(SECRET_BYTES), mode=0o600, keep_existing=True)
        return cls(path.read_bytes())

    @classmethod
    def from_secrets(cls, secrets_store: SealedSecrets) -> IdHasher:
        """Unseal the machine's secret, sealing a new one on first use. Never replaces one
        that does not unseal (a copied data dir): that is TpmError `tpm_wrong_machine`, as a
        new secret would quietly stop second visits from being noticed."""
        if not secrets_store.exists(ID_HASH_SECRET):
            secrets_store.seal(ID_HASH_SECRET, secrets.token_bytes(SECRET_BYTES))
        return cls(secrets_store.unseal(ID_HASH_SECRET))

    def digest(self, id_number: str) -> str:
        """Hex HMAC-SHA256 of the normalised ID number (upper-case X, no spaces)."""
        normalised = id_number.strip().upper().encode("ascii")
        return hmac.new(self._secret, _CONTEXT + normalised, hashlib.sha256).hexdigest()
