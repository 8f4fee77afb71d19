"""Enrolment on the server: one-time tokens in, devices with their sequence ranges out.

A technician enrols a machine alone with a token the province issued for one registration
point (`provincial-api tokens issue`). `enrol` judges a request in the order that names the
right problem: the token (unknown, used by another key, expired: each its own code, since each
needs someone else to act), the key (its type; in a TPM unless the server allows file keys for
development), then allocates the device id and the ranges in one transaction of the
`EnrolmentBook` and answers with the `Enrolment` signed by the receipt key. The same token and
key again get the same enrolment: a technician may run `kioskctl enrol` twice.

Only the SHA-256 of a token's secret is stored; neither the secret nor a key is ever logged.
"""

from __future__ import annotations

import base64
import hmac
import logging
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central_api_client.enrolment import (
    EnrolmentError,
    EnrolmentToken,
    EnrolRequest,
    SequenceRange,
    key_fingerprint,
    load_device_public_key,
    public_pem,
    secret_sha256,
)
from central_api_client.logs import LogEvent, event
from provincial_api.ranges import CountyPools
from provincial_api.receipt_signer import ReceiptSigner

log = logging.getLogger("provincial_api")

ENROLLED_BY = "enrolment"  # the registry's enrolled_by of a device enrolled with a token


@dataclass(frozen=True)
class TokenRow:
    """A token as the server keeps it: never the secret, only its hash."""

    token_id: str
    secret_sha256: str
    county_code: str
    point: str
    created_at: str
    expires_at: str
    used_at: str | None = None
    device_id: str | None = None
    device_key_sha256: str | None = None

    def state(self, now: str) -> str:
        if self.used_at is not None:
            return f"used by {self.device_id}"
        return "expired" if now >= self.expires_at else "unused"


@dataclass(frozen=True)
class EnrolmentRow:
    """A device enrolled with a token: where it stands and what it numbers."""

    device_id: str
    county_code: str
    point: str
    token_id: str
    device_key_sha256: str
    key_storage: str
    enrolled_at: str
    ranges: tuple[SequenceRange, ...]


@dataclass(frozen=True)
class NewDevice:
    """What `EnrolmentBook.enrol` needs of the key that asks."""

    registry_key: bytes  # as the device registry holds it (`registry_key_bytes`)
    key_sha256: str
    key_storage: str


class EnrolRefused(Exception):
    """A refusal with its HTTP status and stable code (the reason never holds a secret)."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


class EnrolmentBook(Protocol):
    """Tokens, enrolled devices and the ranges handed out, beside the device registry."""

    def issue(self, token: TokenRow) -> None: ...

    def tokens(self) -> list[TokenRow]: ...

    def enrolments(self) -> dict[str, EnrolmentRow]: ...

    def enrol(self, token: EnrolmentToken, device: NewDevice, now: str,
              pools: CountyPools) -> EnrolmentRow:
        """In one transaction: check the token (EnrolRefused token_unknown, token_used,
        token_expired, device_retired), then for a first use allocate the device id (county
        code + serial) and the ranges (`ranges.allocate`; EnrolRefused ranges_exhausted),
        add the device to the registry and mark the token used. A token used by this very
        key answers its enrolment again."""
        ...

    def close(self) -> None: ...


def check_token(row: TokenRow | None, token: EnrolmentToken, key_sha256: str,
                now: str) -> bool:
    """True when `row` was used by this key already (answer the same enrolment), False when
    it may be used now; EnrolRefused otherwise. Both adapters call it inside their
    transaction. A wrong secret is an unknown token: nothing tells a guesser it was close."""
    if row is None or not hmac.compare_digest(row.secret_sha256, secret_sha256(token.secret)):
        raise EnrolRefused(403, "token_unknown", "this enrolment token is not known to the"
                           " province (mistyped, or issued by another server)")
    if row.used_at is not None:
        if row.device_key_sha256 is not None and hmac.compare_digest(row.device_key_sha256,
                                                                     key_sha256):
            return True
        raise EnrolRefused(409, "token_used", "this enrolment token was already used by"
                           " another machine; ask the province for a new one")
    if now >= row.expires_at:
        raise EnrolRefused(410, "token_expired", "this enrolment token has expired; ask the"
                           " province for a new one")
    return False


def device_id_for(county_code: str, serial: int) -> str:
    """The id the province gives a machine: county code and a serial within the county."""
    return f"HN-{county_code}-{serial:04d}"


def registry_key_bytes(key: Ed25519PublicKey | ec.EllipticCurvePublicKey) -> bytes:
    """How the registry holds a device key: Ed25519 as its raw 32 bytes (as ever), any other
    (a TPM's P-256) as SubjectPublicKeyInfo DER, which names its own type."""
    if isinstance(key, Ed25519PublicKey):
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class EnrolSettings:
    """How this server enrols: the county pools, whether a key outside a TPM is accepted
    (development), the province's sealing key to hand out, the signed-config trust root."""

    pools: CountyPools
    seal_public_key: X25519PublicKey | None
    allow_file_keys: bool = False
    trust_root: bytes | None = None


def enrol(book: EnrolmentBook, signer: ReceiptSigner, settings: EnrolSettings,
          request: EnrolRequest, now: str) -> dict[str, object]:
    """The signed answer to one enrolment request, as JSON; EnrolRefused saying why not."""
    if settings.seal_public_key is None:
        raise EnrolRefused(503, "enrolment_not_configured", "this server has no province"
                           " sealing key to hand out (serve --seal-public-key)")
    try:
        token = EnrolmentToken.parse(request.token)
        key = load_device_public_key(request.device_public_key)
    except EnrolmentError as exc:
        raise EnrolRefused(403 if exc.code == "token_malformed" else 422,
                           "token_unknown" if exc.code == "token_malformed" else exc.code,
                           exc.reason) from None
    if request.key_storage != "tpm" and not settings.allow_file_keys:
        raise EnrolRefused(403, "key_not_in_tpm", "this server enrols only keys held in a"
                           " TPM (a key file is accepted by a development server only)")
    device = NewDevice(registry_key_bytes(key), key_fingerprint(key), request.key_storage)
    try:
        row = book.enrol(token, device, now, settings.pools)
    except EnrolRefused as refused:
        event(log, LogEvent.API_ENROL_REFUSED, level=logging.WARNING, error=refused.code,
              token_id=token.token_id)
        raise
    event(log, LogEvent.API_DEVICE_ENROLLED, device_id=row.device_id,
          county_code=row.county_code, token_id=row.token_id, key_storage=row.key_storage)
    trust_root = settings.trust_root
    answer = signer.sign_enrolment(
        device_id=row.device_id, county_code=row.county_code, point=row.point,
        ranges=list(row.ranges), province_seal_public_key=public_pem(settings.seal_public_key),
        trust_root=None if trust_root is None else base64.b64encode(trust_root).decode(),
        device_key_sha256=row.device_key_sha256, token_id=row.token_id,
        enrolled_at=row.enrolled_at)
    return answer.to_wire()
