"""Enrolment on the wire: the technician's one-time token, the kiosk's request, the province's
signed answer. One type of each, used by `kioskctl enrol` and the reference server alike.

A technician sets a machine up alone, so the token has to carry the trust the machine needs:
besides the secret that lets the server recognise it, it carries the SHA-256 fingerprint of the
province's receipt public key. The answer names that key and is signed by it; a kiosk accepts
the answer only when the key's fingerprint is the token's and the signature holds, so a server
that cannot sign as the province (a stranger on the network, a proxy, a copy of the API) cannot
enrol a machine, whatever it says. The answer also names the device key that asked (its
fingerprint) and the token id, so it cannot be replayed to another machine or for another token.

Everything here is JSON-native (strings, ints, lists, null): the dataclasses *are* the wire
shape, which lets the server state them in the OpenAPI document without a second definition.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from central_api_client.contract import DEVICE_ID_PATTERN

ENROLMENT_CONTEXT = b"hunan-exam-kiosk/enrolment/v1\x00"
TOKEN_PREFIX = "HNE1"
# token id: 12 base64url characters (72 bits, public, a lookup key); secret: 32 bytes
# base64url (never stored by the server, only its SHA-256); fingerprint: SHA-256 base64url.
_B64 = r"[A-Za-z0-9_-]"
TOKEN_PATTERN = rf"^{TOKEN_PREFIX}\.({_B64}{{12}})\.({_B64}{{43}})\.({_B64}{{43}})$"
TOKEN_ID_PATTERN = rf"^{_B64}{{12}}$"
CATEGORY_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
COUNTY_PATTERN = r"^[0-9]{4}$"
MAX_POINT_CHARS = 64
MAX_PEM_CHARS = 4096
MAX_EVIDENCE_CHARS = 16384
MAX_TRUST_ROOT_BYTES = 64 * 1024
KeyStorage = Literal["tpm", "file"]
KEY_STORAGES = ("tpm", "file")


class EnrolmentError(ValueError):
    """Something of enrolment that cannot be used, as a stable code: token_malformed,
    request_malformed, answer_malformed, answer_not_province (the answer's receipt key is not
    the token's), answer_bad_signature, answer_mismatch (for another device key or token)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def key_fingerprint(key: Ed25519PublicKey | ec.EllipticCurvePublicKey | X25519PublicKey) -> str:
    """SHA-256 of the key's SubjectPublicKeyInfo DER, base64url: the same for a key however
    its PEM is wrapped, and the same function for every key type."""
    der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return b64url(hashlib.sha256(der).digest())


def public_pem(key: Ed25519PublicKey | ec.EllipticCurvePublicKey | X25519PublicKey) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def secret_sha256(secret: str) -> str:
    """What the server keeps of a token's secret (hex). The secret has 256 random bits, so a
    plain hash is enough: nothing to guess, and a stolen database enrols nobody."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class EnrolmentToken:
    """`HNE1.<token id>.<secret>.<receipt key fingerprint>`, printed once by the province."""

    token_id: str
    secret: str
    receipt_key_sha256: str

    @classmethod
    def new(cls, receipt_key: Ed25519PublicKey) -> Self:
        return cls(b64url(secrets.token_bytes(9)), b64url(secrets.token_bytes(32)),
                   key_fingerprint(receipt_key))

    def text(self) -> str:
        return f"{TOKEN_PREFIX}.{self.token_id}.{self.secret}.{self.receipt_key_sha256}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """The token from its text (surrounding blanks forgiven); EnrolmentError naming only
        what is wrong, never echoing the text (it holds the secret)."""
        match = re.fullmatch(TOKEN_PATTERN, text.strip()) if isinstance(text, str) else None
        if match is None:
            raise EnrolmentError("token_malformed", f"an enrolment token is {TOKEN_PREFIX}."
                                 "ID.SECRET.FINGERPRINT as printed by `provincial-api tokens"
                                 " issue`; check it was copied whole")
        return cls(match.group(1), match.group(2), match.group(3))

    def __repr__(self) -> str:  # the secret never reaches a log or a traceback
        return f"EnrolmentToken(token_id={self.token_id!r}, secret=***)"


def load_device_public_key(pem: str) -> Ed25519PublicKey | ec.EllipticCurvePublicKey:
    """A device key from PEM: Ed25519 (a key file) or P-256 (a TPM key), nothing else."""
    try:
        key = load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        raise EnrolmentError("request_malformed", "device_public_key is not a PEM public"
                             " key") from None
    if isinstance(key, Ed25519PublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise EnrolmentError("key_unsupported", "device key must be Ed25519 or ECDSA P-256")


@dataclass(frozen=True)
class EnrolRequest:
    """POST /v1/enrol: the technician's token, the machine's public device key (PEM), and
    where its private half lives: `tpm` (with `tpm_evidence`, an attestation when the TPM
    work provides one) or `file` (accepted only by a server started for development)."""

    token: str = field(repr=False)  # the secret: never in a repr, a log line or a traceback
    device_public_key: str
    key_storage: KeyStorage
    tpm_evidence: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_wire(cls, data: object) -> Self:
        """Strict: exactly these fields, each of its type and bounds (EnrolmentError)."""
        _exact_fields(cls, data, "request_malformed", optional={"tpm_evidence"})
        assert isinstance(data, dict)
        token, pem = data["token"], data["device_public_key"]
        storage, evidence = data["key_storage"], data.get("tpm_evidence")
        if not isinstance(token, str) or len(token) > 200:
            raise EnrolmentError("request_malformed", "token must be a string")
        if not isinstance(pem, str) or len(pem) > MAX_PEM_CHARS:
            raise EnrolmentError("request_malformed", "device_public_key must be a PEM string")
        if storage not in KEY_STORAGES:
            raise EnrolmentError("request_malformed", "key_storage must be tpm or file")
        if evidence is not None and (not isinstance(evidence, str)
                                     or len(evidence) > MAX_EVIDENCE_CHARS):
            raise EnrolmentError("request_malformed", "tpm_evidence must be a string or null")
        return cls(token, pem, storage, evidence)


@dataclass(frozen=True)
class SequenceRange:
    """Serials [first, last] of one subject category (分科类) this device hands out; the
    county assigns each point its ranges, and no two devices of a county share a serial."""

    category: str
    first: int
    last: int


@dataclass(frozen=True)
class Enrolment:
    """The province's answer: who this machine is now, what it may number, which keys to
    trust. Signed with the receipt key (`signature`, base64) over every other field."""

    device_id: str
    county_code: str
    point: str
    ranges: list[SequenceRange]
    province_seal_public_key: str  # PEM, X25519: what records are sealed to
    receipt_public_key: str  # PEM, Ed25519: signs receipts and this answer
    trust_root: str | None  # base64 of the signed-config trust root, when configured
    device_key_sha256: str  # the key that asked (key_fingerprint)
    token_id: str
    enrolled_at: str
    signature: str = ""

    def signed_message(self) -> bytes:
        """Canonical JSON of every field but the signature, after a context prefix, so these
        bytes are never mistaken for a receipt or a record signature."""
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return ENROLMENT_CONTEXT + text.encode("ascii")

    def signed_by(self, key: Ed25519PrivateKey) -> Enrolment:
        signature = base64.b64encode(key.sign(self.signed_message())).decode("ascii")
        return replace(self, signature=signature)

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_wire(cls, data: object) -> Self:
        """Parse strictly (EnrolmentError answer_malformed naming the field)."""
        _exact_fields(cls, data, "answer_malformed")
        assert isinstance(data, dict)
        for name in ("device_id", "county_code", "point", "province_seal_public_key",
                     "receipt_public_key", "device_key_sha256", "token_id", "enrolled_at",
                     "signature"):
            if not isinstance(data[name], str) or len(data[name]) > MAX_PEM_CHARS:
                raise EnrolmentError("answer_malformed", f"{name} must be a string")
        if not re.fullmatch(DEVICE_ID_PATTERN, data["device_id"]):
            raise EnrolmentError("answer_malformed", "device_id has the wrong form")
        if not re.fullmatch(COUNTY_PATTERN, data["county_code"]):
            raise EnrolmentError("answer_malformed", "county_code must be 4 digits")
        point = data["point"]
        if not point or len(point) > MAX_POINT_CHARS or not point.isprintable():
            raise EnrolmentError("answer_malformed", f"point must be 1 to {MAX_POINT_CHARS}"
                                 " printable characters")
        trust_root = data["trust_root"]
        if trust_root is not None and (not isinstance(trust_root, str)
                                       or len(trust_root) > MAX_TRUST_ROOT_BYTES * 4 // 3 + 4):
            raise EnrolmentError("answer_malformed", "trust_root must be base64 of at most"
                                 f" {MAX_TRUST_ROOT_BYTES} bytes, or null")
        return cls(**{**data, "ranges": _ranges(data["ranges"])})

    def verify(self, token: EnrolmentToken, device_key_sha256: str) -> Ed25519PublicKey:
        """Raise EnrolmentError unless the province answered, for this token and this device
        key; returns the receipt key (now proven to be the token's)."""
        try:
            receipt_key = load_pem_public_key(self.receipt_public_key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise EnrolmentError("answer_malformed", "receipt_public_key is not PEM") from None
        if not isinstance(receipt_key, Ed25519PublicKey) or not secrets.compare_digest(
                key_fingerprint(receipt_key), token.receipt_key_sha256):
            raise EnrolmentError("answer_not_province", "the answer's receipt key is not the"
                                 " one the token names: this server is not the province's")
        try:
            signature = base64.b64decode(self.signature, validate=True)
            receipt_key.verify(signature, self.signed_message())
        except (binascii.Error, ValueError, InvalidSignature):
            raise EnrolmentError("answer_bad_signature", "the answer is not signed by the"
                                 " province's receipt key: this server cannot prove it is the"
                                 " province") from None
        if (self.token_id, self.device_key_sha256) != (token.token_id, device_key_sha256):
            raise EnrolmentError("answer_mismatch", "the answer is for another token or"
                                 " another device key")
        try:
            seal_key = load_pem_public_key(self.province_seal_public_key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            seal_key = None
        if not isinstance(seal_key, X25519PublicKey):
            raise EnrolmentError("answer_malformed", "province_seal_public_key is not an"
                                 " X25519 PEM public key")
        return receipt_key

    def trust_root_bytes(self) -> bytes | None:
        if self.trust_root is None:
            return None
        try:
            return base64.b64decode(self.trust_root, validate=True)
        except (binascii.Error, ValueError):
            raise EnrolmentError("answer_malformed", "trust_root is not base64") from None


def _ranges(value: object) -> list[SequenceRange]:
    if not isinstance(value, list) or len(value) > 64:
        raise EnrolmentError("answer_malformed", "ranges must be a list")
    out = []
    for item in value:
        _exact_fields(SequenceRange, item, "answer_malformed")
        assert isinstance(item, dict)
        category, first, last = item["category"], item["first"], item["last"]
        if (not isinstance(category, str) or not re.fullmatch(CATEGORY_PATTERN, category)
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in (first, last))
                or not 0 <= first <= last <= 9999):
            raise EnrolmentError("answer_malformed", "a range is not category, 0 <= first <="
                                 " last <= 9999")
        out.append(SequenceRange(category, first, last))
    return out


def _exact_fields(cls: type, data: object, code: str, optional: frozenset[str] | set[str] =
                  frozenset()) -> None:
    if not isinstance(data, dict):
        raise EnrolmentError(code, f"{cls.__name__} is a JSON object")
    names = {f.name for f in fields(cls)}
    missing = names - set(data) - set(optional)
    unknown = set(data) - names
    if missing or unknown:
        raise EnrolmentError(code, f"field {sorted(missing | unknown)[0]} missing or unknown")
