"""The device key a machine enrols with: the one place that says which key and where it lives.

The key of the machine's key store (`devices.tpm`): on a real machine a P-256 key made inside
its TPM, never exportable, so the province registers a key that cannot leave the machine; under
`--simulate` the development Ed25519 file key, which only a development server accepts
(`key_storage` "file"). Made here when the machine has none yet, the same key the kiosk, the
uploader and `kioskctl export` then sign with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central_api_client.enrolment import KeyStorage, key_fingerprint, load_device_public_key
from hardware.tpm import TpmError
from kiosk.seal import SealError, open_machine_keys


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


def device_key_for_enrolment(keys_dir: Path, tpm: str) -> EnrolmentKey:
    """The machine's device key for enrolment, made if missing (SealError when the key store
    cannot serve this machine: no TPM, or a data dir copied from another one)."""
    store = open_machine_keys(keys_dir, tpm)
    try:
        public = store.device_key(create=True).public_key()
        storage: KeyStorage = "file" if store.uri == "file:" else "tpm"
    except TpmError as exc:
        raise SealError(str(exc)) from None
    finally:
        store.close()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return EnrolmentKey(pem.decode("ascii"), storage)
