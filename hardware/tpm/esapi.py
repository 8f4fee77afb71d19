"""The key store in a TPM 2.0, through tpm2-pytss (ESAPI): a P-256 device key and sealed secrets.

How a copied disk stays a copy of ciphertext:
- Everything hangs under a primary key of the owner hierarchy made from a fixed template
  (`PRIMARY_TEMPLATE`). The TPM derives it from its own owner seed, so the same TPM makes the
  same primary at every start and nothing of it is stored; another TPM makes another one.
- The device key is an ECC P-256 signing key (a TPM has no Ed25519) made inside the TPM with
  fixedTPM|fixedParent: it never leaves the TPM in the clear. What is saved in the keys dir is
  its public part and its private part encrypted by the primary (`device_p256.tpm`), plus its
  public key as PEM for enrolment. To sign, the blob is loaded under the primary again; on
  another TPM that load fails, so a copied data dir cannot sign.
- A secret (the ID-number hash key) is sealed as a keyedhash data object under the same
  primary (`<name>.tpm`) and unsealed over a salted session that encrypts the response, so it
  does not cross the bus in the clear. Only the same TPM unseals it.
Objects are loaded one at a time and their parent flushed at once, so a TPM without a resource
manager (swtpm in the tests, three object slots) is never full. `/dev/tpmrm0` (the kernel's
resource manager) lets several programs (the kiosk, the uploader) share the TPM.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from central_api_client.device_keys import ECDSA_P256
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from hardware.tpm.protocol import TPM_PUBLIC_KEY_FILE, TpmError

# The TSS libraries log every failed command to stderr themselves; the kiosk says what went
# wrong through TpmError instead. TSS2_LOG set by a technician still wins.
os.environ.setdefault("TSS2_LOG", "all+NONE")

from tpm2_pytss import ESAPI, TSS2_Exception  # noqa: E402  (after TSS2_LOG)
from tpm2_pytss.constants import (  # noqa: E402
    ESYS_TR,
    TPM2_ALG,
    TPM2_RH,
    TPM2_SE,
    TPM2_ST,
    TPMA_OBJECT,
    TPMA_SESSION,
)
from tpm2_pytss.types import (  # noqa: E402
    TPM2B_DIGEST,
    TPM2B_PRIVATE,
    TPM2B_PUBLIC,
    TPM2B_SENSITIVE_CREATE,
    TPM2B_SENSITIVE_DATA,
    TPMS_SENSITIVE_CREATE,
    TPMT_SIG_SCHEME,
    TPMT_SYM_DEF,
    TPMT_TK_HASHCHECK,
    TPMU_SYM_KEY_BITS,
    TPMU_SYM_MODE,
)

log = logging.getLogger(__name__)

DEVICE_KEY_BLOB = "device_p256.tpm"
SECRET_SUFFIX = ".tpm"
MAX_SECRET_BYTES = 128  # a TPM's MAX_SYM_DATA

_A = TPMA_OBJECT
# Fixed, so the primary is the same key at every start (see the module doc). noDA: a wrong
# (empty) password never locks the TPM out; no object here has a password to guess.
PRIMARY_TEMPLATE = ("ecc256:aes128cfb", _A.RESTRICTED | _A.DECRYPT | _A.FIXEDTPM
                    | _A.FIXEDPARENT | _A.SENSITIVEDATAORIGIN | _A.USERWITHAUTH | _A.NODA)
SIGNING_TEMPLATE = ("ecc256:ecdsa-sha256", _A.SIGN_ENCRYPT | _A.FIXEDTPM | _A.FIXEDPARENT
                    | _A.SENSITIVEDATAORIGIN | _A.USERWITHAUTH | _A.NODA)
SEALED_TEMPLATE = ("keyedhash", _A.FIXEDTPM | _A.FIXEDPARENT | _A.USERWITHAUTH | _A.NODA)


def _template(spec: tuple[str, Any]) -> TPM2B_PUBLIC:
    return TPM2B_PUBLIC.parse(spec[0], objectAttributes=spec[1])


class TpmKeyStore:
    """One connection to one TPM (`tcti`, e.g. "device:/dev/tpmrm0", "swtpm:host=...,port=...")
    and the blobs of one keys dir. Thread-safe: one command at a time on the connection."""

    def __init__(self, uri: str, tcti: str, keys_dir: Path) -> None:
        self.uri = uri
        self.keys_dir = keys_dir
        self._lock = threading.RLock()
        try:
            self._esapi = ESAPI(tcti)
        except TSS2_Exception as exc:
            raise TpmError("tpm_unavailable", f"no TPM answers at {uri} ({exc})") from None
        self._secrets = TpmSecrets(self)
        self._key: TpmDeviceKey | None = None
        self._closed = False

    @property
    def secrets(self) -> TpmSecrets:
        return self._secrets

    def device_key(self, *, create: bool = False) -> TpmDeviceKey:
        with self._lock:
            if self._key is None:
                path = self.keys_dir / DEVICE_KEY_BLOB
                if not path.exists():
                    if not create:
                        raise TpmError("tpm_key_missing", f"no TPM device key at {path}")
                    self._create_blob(path, _template(SIGNING_TEMPLATE), None)
                    event(log, LogEvent.TPM_KEY_CREATED, path=str(path))
                handle, public, _ = self._load(path)
                self._key = TpmDeviceKey(self, handle, _public_key(public))
                pem = self.keys_dir / TPM_PUBLIC_KEY_FILE
                if not pem.exists():
                    atomic_write(pem, self._key.public_key().public_bytes(
                        serialization.Encoding.PEM,
                        serialization.PublicFormat.SubjectPublicKeyInfo))
            return self._key

    def close(self) -> None:
        """Flush what is loaded (a TPM without a resource manager keeps it) and disconnect."""
        with self._lock:
            if self._closed:  # closed already (an error path, then at exit)
                return
            if self._key is not None:
                self._flush(self._key.handle)
                self._key = None
            self._esapi.close()
            self._closed = True

    # What TpmDeviceKey and TpmSecrets do on the connection, under the lock.

    def _primary(self) -> ESYS_TR:
        try:
            handle, *_ = self._esapi.create_primary(
                TPM2B_SENSITIVE_CREATE(), _template(PRIMARY_TEMPLATE), ESYS_TR.OWNER)
        except TSS2_Exception as exc:
            raise TpmError("tpm_failed", f"the TPM made no primary key ({exc})") from None
        return handle

    def _create_blob(self, path: Path, template: TPM2B_PUBLIC, data: bytes | None) -> None:
        sensitive = TPM2B_SENSITIVE_CREATE(
            TPMS_SENSITIVE_CREATE(data=TPM2B_SENSITIVE_DATA(data))) if data is not None \
            else TPM2B_SENSITIVE_CREATE()
        primary = self._primary()
        try:
            private, public, *_ = self._esapi.create(primary, sensitive, template)
        except TSS2_Exception as exc:
            raise TpmError("tpm_failed", f"the TPM made no object for {path.name} ({exc})") \
                from None
        finally:
            self._flush(primary)
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # One file, written atomically: the public part, then the private part (each a
        # self-sized TPM2B); keep_existing: a blob another process wrote first is kept.
        atomic_write(path, bytes(public.marshal()) + bytes(private.marshal()), mode=0o600,
                     keep_existing=True)

    def _load(self, path: Path, salt: bool = False) -> tuple[ESYS_TR, TPM2B_PUBLIC, Any]:
        """The blob at `path` loaded under the primary; with `salt`, also an HMAC session
        salted by the primary (so only this TPM knows its key) that encrypts responses."""
        try:
            raw = path.read_bytes()
            public, offset = TPM2B_PUBLIC.unmarshal(raw)
            private, _ = TPM2B_PRIVATE.unmarshal(raw[offset:])
        except (OSError, TSS2_Exception) as exc:
            raise TpmError("tpm_failed", f"{path} is not a TPM key blob "
                           f"({type(exc).__name__})") from None
        primary = self._primary()
        session = None
        try:
            handle = self._esapi.load(primary, private, public)
        except TSS2_Exception:
            self._flush(primary)
            raise TpmError("tpm_wrong_machine", f"{path.name} was made by another TPM: this"
                           " data dir was copied from another machine, or this TPM was"
                           " cleared; nothing here signs or unseals with it (enrol this"
                           " machine anew)") from None
        try:
            if salt:
                session = self._esapi.start_auth_session(
                    tpm_key=primary, bind=ESYS_TR.NONE, session_type=TPM2_SE.HMAC,
                    symmetric=TPMT_SYM_DEF(algorithm=TPM2_ALG.AES,
                                           keyBits=TPMU_SYM_KEY_BITS(aes=128),
                                           mode=TPMU_SYM_MODE(aes=TPM2_ALG.CFB)),
                    auth_hash=TPM2_ALG.SHA256)
                # ENCRYPT: the TPM encrypts the response's first parameter (the secret).
                self._esapi.trsess_set_attributes(
                    session, TPMA_SESSION.CONTINUESESSION | TPMA_SESSION.ENCRYPT)
        except TSS2_Exception as exc:
            self._flush(handle)
            raise TpmError("tpm_failed", f"the TPM started no session ({exc})") from None
        finally:
            self._flush(primary)
        return handle, public, session

    def _flush(self, handle: ESYS_TR) -> None:
        with contextlib.suppress(TSS2_Exception):  # already gone (a TPM reset): nothing to free
            self._esapi.flush_context(handle)

    def _sign_digest(self, handle: ESYS_TR, digest: bytes) -> tuple[bytes, bytes]:
        scheme = TPMT_SIG_SCHEME(scheme=TPM2_ALG.ECDSA)
        scheme.details.any.hashAlg = TPM2_ALG.SHA256
        # A NULL ticket: the key is not restricted, so the TPM signs any digest.
        ticket = TPMT_TK_HASHCHECK(tag=TPM2_ST.HASHCHECK, hierarchy=TPM2_RH.NULL)
        with self._lock:
            try:
                signature = self._esapi.sign(handle, TPM2B_DIGEST(digest), scheme, ticket)
            except TSS2_Exception as exc:
                raise TpmError("tpm_failed", f"the TPM did not sign ({exc})") from None
        return bytes(signature.signature.ecdsa.signatureR), \
            bytes(signature.signature.ecdsa.signatureS)

    def _unseal(self, path: Path) -> bytes:
        with self._lock:
            handle, _, session = self._load(path, salt=True)
            try:
                return bytes(self._esapi.unseal(handle, session1=session))
            except TSS2_Exception as exc:
                raise TpmError("tpm_failed", f"the TPM did not unseal {path.name} ({exc})") \
                    from None
            finally:
                self._flush(handle)
                self._flush(session)


class TpmDeviceKey:
    """The P-256 device key, loaded in the TPM: signs SHA-256 digests there."""

    algorithm = ECDSA_P256

    def __init__(self, store: TpmKeyStore, handle: ESYS_TR, public: ec.EllipticCurvePublicKey):
        self._store = store
        self.handle = handle
        self._public = public

    def sign(self, data: bytes) -> bytes:
        r, s = self._store._sign_digest(self.handle, hashlib.sha256(data).digest())
        return r.rjust(32, b"\0") + s.rjust(32, b"\0")  # the TPM drops leading zero bytes

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public


class TpmSecrets:
    """Secrets sealed to the TPM: `<name>.tpm` in the keys dir."""

    def __init__(self, store: TpmKeyStore) -> None:
        self._store = store

    def _path(self, name: str) -> Path:
        return self._store.keys_dir / f"{name}{SECRET_SUFFIX}"

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def seal(self, name: str, secret: bytes) -> None:
        if not 1 <= len(secret) <= MAX_SECRET_BYTES:
            raise ValueError(f"a sealed secret is 1-{MAX_SECRET_BYTES} bytes")
        path = self._path(name)
        with self._store._lock:
            if path.exists():
                raise TpmError("tpm_failed", f"{path.name} exists: a sealed secret is never"
                               " replaced")
            self._store._create_blob(path, _template(SEALED_TEMPLATE), secret)
        event(log, LogEvent.TPM_SECRET_SEALED, path=str(path))

    def unseal(self, name: str) -> bytes:
        path = self._path(name)
        if not path.exists():
            raise TpmError("tpm_key_missing", f"no sealed secret at {path}")
        return self._store._unseal(path)


def _public_key(public: TPM2B_PUBLIC) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(bytes(public.to_pem()))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise TpmError("tpm_failed", "the TPM's device key is not an ECC key")
    return key
