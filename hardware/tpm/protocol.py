"""What the kiosk needs from the machine's key store: a device key that signs, and secrets
sealed to this machine.

The point of a TPM is that a copied disk is not a copied kiosk: the device key signs only inside
the TPM it was made in, and the ID-number hash secret unseals only there. The kiosk (the sealer,
the uploader's request signatures, the export bundle, the keyed hash of ID numbers) talks to
these Protocols only, so a TPM and the development file keys are interchangeable, and the
factory (`hardware.tpm.open_key_store`) chooses by the config's URI. Every failure is a
`TpmError` with a code and a sentence a technician can act on, never a traceback.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from central_api_client.device_keys import DevicePublicKey
from kiosk.core.errors import DeviceError

ID_HASH_SECRET = "device_id_hash"  # the name of the ID-number hash secret among the sealed ones
# The TPM device key's public half, for enrolment (its private half never leaves the TPM).
TPM_PUBLIC_KEY_FILE = "device_p256.pub.pem"


class TpmError(DeviceError):
    """The key store cannot do what was asked. Codes:

    - `tpm_unavailable`: no TPM answers at the URI (device missing, swtpm not running);
    - `tpm_wrong_machine`: the key files do not belong to this TPM (a data dir copied from
      another machine, or the TPM was cleared): nothing signs or unseals here;
    - `tpm_key_missing`: no device key or sealed secret where one must already be;
    - `tpm_failed`: the TPM refused an operation for another reason (the detail says which).
    """

    code = "tpm_failed"
    codes = frozenset({"tpm_failed", "tpm_unavailable", "tpm_wrong_machine", "tpm_key_missing"})


@runtime_checkable
class DeviceKey(Protocol):
    """The device's signing key (a `central_api_client.device_keys.DeviceSigner`): `sign`
    returns 64 bytes (Ed25519, or P-256 ECDSA-SHA256 as raw r||s), safe to call from several
    threads; `algorithm` is "ed25519" or "ecdsa-p256-sha256"."""

    @property
    def algorithm(self) -> str: ...

    def sign(self, data: bytes) -> bytes:
        """The signature of `data`; TpmError if the key cannot sign here."""
        ...

    def public_key(self) -> DevicePublicKey: ...


@runtime_checkable
class SealedSecrets(Protocol):
    """Small secrets kept on disk only in a form this machine alone can read back."""

    def exists(self, name: str) -> bool:
        """True when a secret of this name was sealed (its blob is on disk)."""
        ...

    def seal(self, name: str, secret: bytes) -> None:
        """Seal `secret` (1-128 bytes) under `name`, writing its blob atomically; never
        replaces an existing one (TpmError)."""
        ...

    def unseal(self, name: str) -> bytes:
        """The secret; TpmError `tpm_key_missing` without a blob, `tpm_wrong_machine` when the
        blob was sealed by another TPM."""
        ...


@runtime_checkable
class KeyStore(Protocol):
    """One machine's key store: its device key and its sealed secrets. Close it when done (a
    TPM connection and its loaded objects are released)."""

    uri: str

    def device_key(self, *, create: bool = False) -> DeviceKey:
        """The device key; with `create`, made first when there is none (never replacing one
        that does not load: that is `tpm_wrong_machine`). TpmError `tpm_key_missing` when
        there is none and not `create`."""
        ...

    @property
    def secrets(self) -> SealedSecrets: ...

    def close(self) -> None: ...
