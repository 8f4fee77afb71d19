"""Sealing: a record leaves memory only encrypted to the province and signed by this machine.

HPKE (RFC 9180) to the province's X25519 public key means the kiosk cannot read a record back
once sealed, so a stolen machine or disk yields ciphertext only. The device signature over the
ciphertext's hash and the record's metadata lets the province tell which machine produced a
blob and that nobody changed it or moved it under another record id on the way.

The device key signs through `DeviceSigner`: on a kiosk it is the TPM's P-256 key, chosen by the
config's `devices.tpm` (`hardware.tpm`), so it never exists outside the TPM; under `--simulate`
it is an Ed25519 PEM file. The province's public key is a PEM file in the keys directory, or
the signed config bundle's when it carries one (`Sealer.following`, `kiosk.province_keys`). On a
machine that has none yet (development, demos, tests) `Sealer.from_keys_dir` makes a
*development* province key pair and leaves its private key beside it so records can be opened
locally; a provisioned machine has the real province public key and no private key at all.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from central_api_client.contract import HPKE_SUITE, hpke_info, utc_timestamp
from central_api_client.device_keys import (
    DevicePublicKey,
    DeviceSigner,
    as_signer,
    device_public_key_bytes,
    load_device_public_key,
)
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from central_api_client.opening import SealError as SealError
from central_api_client.opening import load_private_pem, load_public_pem
from central_api_client.records import SealedRecord
from hardware.tpm import DEVICE_KEY_FILE as DEVICE_KEY_FILE
from hardware.tpm import DEVICE_PUBLIC_KEY_FILE as DEVICE_PUBLIC_KEY_FILE
from hardware.tpm import TPM_PUBLIC_KEY_FILE, KeyStore, TpmError, open_key_store
from kiosk.core.record import Record

log = logging.getLogger(__name__)

PROVINCE_PUBLIC_KEY_FILE = "province_x25519.pub.pem"
# Named so that nobody mistakes it for something a real machine should carry.
DEV_PROVINCE_PRIVATE_KEY_FILE = "province_x25519.dev-private.pem"


class Sealer:
    """Seals records of one device to the province's key: a fixed one, or the one a source
    names at the moment each record is sealed (`following`)."""

    def __init__(
        self, device_key: DeviceSigner | Ed25519PrivateKey,
        province_key: X25519PublicKey | Callable[[], X25519PublicKey], device_id: str,
    ) -> None:
        self._device_key = as_signer(device_key)
        self._province_key = province_key
        self.device_id = device_id

    @classmethod
    def from_keys_dir(
        cls, keys_dir: Path, device_id: str, *, generate_dev_keys: bool = True,
        device_key: DeviceSigner | None = None,
    ) -> Sealer:
        """Load the keys of `keys_dir`, making development keys for whatever is missing.

        `device_key`: the machine's (`KeyStore.device_key`, a TPM's); without it, the
        development Ed25519 file key of `keys_dir`. `generate_dev_keys=False` is for a
        provisioned machine, where a missing province key must stop the kiosk rather than
        seal records to a key the province does not have.
        """
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        province_path = keys_dir / PROVINCE_PUBLIC_KEY_FILE
        paths = [province_path] if device_key is not None else [keys_dir / DEVICE_KEY_FILE,
                                                                 province_path]
        missing = [p.name for p in paths if not p.exists()]
        if missing and not generate_dev_keys:
            raise SealError(f"missing key files in {keys_dir}: {', '.join(missing)}")
        if device_key is None:
            device_key = _device_key(open_key_store("file:", keys_dir), create=True)

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

    def following(self, province_key: Callable[[], X25519PublicKey]) -> Sealer:
        """This device's sealer, sealing each new record to the key `province_key` names then
        (`ProvinceKeys.sealing_key`: the signed config's, which a rotation replaces). A record
        already sealed is not touched: it stays sealed to the key it was sealed to."""
        return Sealer(self._device_key, province_key, self.device_id)

    def province_key(self) -> X25519PublicKey:
        """The key the next record is sealed to."""
        key = self._province_key
        return key if isinstance(key, X25519PublicKey) else key()

    @property
    def device_key(self) -> DeviceSigner:
        """What signs as this device (the export bundle's manifest signs with it too)."""
        return self._device_key

    @property
    def device_public_key(self) -> DevicePublicKey:
        return self._device_key.public_key()

    def device_public_key_bytes(self) -> bytes:
        """The device key as the province's registry holds it (raw Ed25519, DER P-256)."""
        return device_public_key_bytes(self.device_public_key)

    def seal(self, record: Record) -> SealedRecord:
        """Encrypt the record's canonical payload and sign the result with the device key."""
        if record.device_id != self.device_id:
            raise ValueError("record was made on another device id than this sealer's")
        # The ids go into HPKE's info as well as the signature: the blob opens for them only.
        info = hpke_info(record_id=record.record_id, device_id=self.device_id)
        blob = HPKE_SUITE.encrypt(record.payload_bytes(), self.province_key(), info=info)
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


def key_store_uri(tpm: str) -> str:
    """The key store a program opens for the config's `devices.tpm`: itself, or the
    development files when it is empty, which only a `--simulate` run gets this far with
    (`kiosk.startup.check_real_machine` refuses an empty one on a real machine)."""
    return tpm.strip() or "file:"


def open_machine_keys(keys_dir: Path, tpm: str) -> KeyStore:
    """The machine's key store (SealError saying why not: no TPM, a copied data dir...)."""
    try:
        return open_key_store(key_store_uri(tpm), keys_dir)
    except TpmError as exc:
        raise SealError(str(exc)) from None


def load_device_key(keys_dir: Path, tpm: str = "") -> DeviceSigner:
    """The device's signing key, for the uploader's request signatures (RFC 9421) and the
    export bundle: the TPM's for a `tpm:` URI (its connection held for the process's life),
    else the development file's. SealError when there is none or it cannot sign here."""
    store = open_machine_keys(keys_dir, tpm)
    # Released at exit: a TPM without a resource manager (swtpm) keeps what is loaded.
    atexit.register(store.close)
    return _device_key(store, create=False)


def _device_key(store: KeyStore, *, create: bool) -> DeviceSigner:
    try:
        return store.device_key(create=create)
    except TpmError as exc:
        store.close()
        raise SealError(str(exc)) from None


def load_device_public_key_bytes(keys_dir: Path) -> bytes:
    """The device's public key as the registry holds it (for enrolment and support tools,
    which need no secret): the TPM key's PEM when there is one, else the file key's."""
    for name in (TPM_PUBLIC_KEY_FILE, DEVICE_PUBLIC_KEY_FILE):
        if (keys_dir / name).exists():
            try:
                return device_public_key_bytes(load_device_public_key((keys_dir / name)
                                                                      .read_bytes()))
            except ValueError:
                raise SealError(f"{keys_dir / name} is not a device public key") from None
    key = load_private_pem(keys_dir / DEVICE_KEY_FILE, Ed25519PrivateKey).public_key()
    return device_public_key_bytes(key)


def _write_private(path: Path, key: X25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    atomic_write(path, pem, mode=0o600)


def _write_public(path: Path, key: X25519PublicKey) -> None:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    atomic_write(path, pem)  # as the umask says: owner-only in the kiosk's programs
