"""Device authentication: HTTP Message Signatures (RFC 9421), shared by both sides.

Every request a kiosk makes is signed by its device key, so the province knows which machine is
talking without passwords or client certificates, and a copied request cannot be sent again:
the signature covers the method, the server it was meant for (`@authority`), the path and
query, a digest of the body (RFC 9530 `Content-Digest`), a creation time and a random nonce.
The server keeps a registry of device public keys, refuses a time too far from its own and
remembers the nonces it has seen.

The signature base and its serialisation are the `http-message-signatures` library's (the
RFC's own test vectors are its tests). What this module adds is the API's strictness on top:
exactly one signature labelled `kiosk`, exactly the covered components below in this order,
exactly the parameters created, nonce, keyid and alg. The algorithm is the device key's
(`device_keys`: "ed25519" for a file key, "ecdsa-p256-sha256" for a TPM's, raw r||s): the
server takes it from the key it registered, and a request whose `alg` says otherwise is
refused, never verified the way it claims. A request signed any other way is refused rather
than interpreted. The signer is a `DeviceSigner`, so a key that never leaves a TPM signs
through the library's prepare/apply split without a private key object in memory.

The checks are split so the server can run them in the order that tells people the right
thing: the device (from `keyid`), then the signature, then the clock, then the nonce.
"""

from __future__ import annotations

import datetime
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException, InvalidSignature

from central_api_client.device_keys import (
    ALGORITHMS,
    ECDSA_P256,
    ED25519,
    DevicePublicKey,
    DeviceSigner,
    algorithm_of,
    as_signer,
)

LABEL = "kiosk"
ALGORITHM = ED25519  # a file key's; a TPM key signs as ECDSA_P256
# The library's algorithm classes by name: ECDSA_P256_SHA256 carries signatures as raw r||s.
_ALGORITHM_CLASSES = {ED25519: algorithms.ED25519, ECDSA_P256: algorithms.ECDSA_P256_SHA256}
COVERED = ("@method", "@authority", "@path", "@query", "content-digest")
# A kiosk also sends the head of its audit chain ("<entries>:<sha256 hex of the newest>"),
# covered by the signature, so the province sees a chain that shrank or was rewritten.
AUDIT_HEAD_HEADER = "kiosk-audit-head"
COVERED_WITH_AUDIT = (*COVERED, AUDIT_HEAD_HEADER)
AUDIT_HEAD_PATTERN = r"(\d{1,12}):([0-9a-f]{64})"
PARAMETERS = ("created", "keyid", "alg", "nonce")  # each once, in any order
# A kiosk's clock may drift this far from the server's before its requests are refused. Five
# minutes is the usual bound (Kerberos, AWS SigV4); the nonce memory must span twice of it.
MAX_CLOCK_SKEW_S = 300
# Header carrying the device's raw public key, read only by a server in development enrolment
# mode (trust on first use). A registered device's key comes from the registry, never from here.
DEV_PUBLIC_KEY_HEADER = "kiosk-device-public-key"

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_KEYID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# The signature headers are short; anything longer is refused before it is parsed.
_MAX_HEADER_CHARS = 1024


class SignatureProblem(Exception):
    """Why a request's signature cannot be accepted, as a stable code for the error body."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class SignedParams:
    """What a verifier learns from the headers before it knows the device's key."""

    keyid: str
    created: int
    nonce: str
    covered: tuple[str, ...] = COVERED
    audit_head: tuple[int, str] | None = None  # (entries, newest hash) when covered
    alg: str = ALGORITHM  # as the request says; the verifier holds it to the device's key


@dataclass
class _Message:
    """The library's view of a request: method, absolute URL, header fields."""

    method: str
    url: str
    headers: dict[str, str]


class _OneKey(HTTPSignatureKeyResolver):
    """The one public key a verifier is given (the device is looked up before)."""

    def __init__(self, key: DevicePublicKey) -> None:
        self.key = key

    def resolve_private_key(self, key_id: str) -> Any:
        return self.key

    def resolve_public_key(self, key_id: str) -> Any:
        return self.key


def sign_request(
    key: DeviceSigner | Ed25519PrivateKey,
    keyid: str,
    method: str,
    url: str,
    body: bytes,
    *,
    now: float | None = None,
    nonce: str | None = None,
    audit_head: str | None = None,
) -> dict[str, str]:
    """The headers that sign one request to the absolute `url`: Content-Digest,
    Signature-Input, Signature (and the audit chain's head, when given). `key` signs the
    signature base itself (a TPM, or a file key), in its own algorithm."""
    signer = as_signer(key)
    message = _Message(method.upper(), url, {AUDIT_HEAD_HEADER: audit_head} if audit_head else {})
    created = datetime.datetime.fromtimestamp(int(time.time() if now is None else now),
                                              datetime.UTC)
    library = HTTPMessageSigner(signature_algorithm=_ALGORITHM_CLASSES[signer.algorithm])
    prepared = library.prepare(
        message, key_id=keyid, created=created, nonce=nonce or secrets.token_urlsafe(18),
        label=LABEL, covered_component_ids=COVERED_WITH_AUDIT if audit_head else COVERED,
        body=body,
    )
    library.apply(message, prepared, signer.sign(prepared.signature_base))
    return {name.lower(): value for name, value in message.headers.items()}


def parse_signature_headers(headers: dict[str, str]) -> SignedParams:
    """Read `Signature-Input` strictly (lower-case header names); SignatureProblem when absent
    or not the API's form. Says nothing yet about whether the signature holds."""
    sig_input = headers.get("signature-input")
    sig = headers.get("signature")
    if not sig_input or not sig:
        raise SignatureProblem("signature_missing", "request is not signed by a device key")
    if len(sig_input) > _MAX_HEADER_CHARS or len(sig) > _MAX_HEADER_CHARS:
        raise SignatureProblem("bad_signature", "signature headers are too long")
    try:
        inputs: Any = http_sf.parse(sig_input.encode("ascii"), tltype="dictionary")
        signatures: Any = http_sf.parse(sig.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError):
        raise SignatureProblem("bad_signature", "signature headers are not structured fields") \
            from None
    if list(inputs) != [LABEL] or list(signatures) != [LABEL]:
        raise SignatureProblem("bad_signature", f"expected one signature labelled {LABEL!r}")
    components, params = inputs[LABEL]
    covered = tuple(c for c, c_params in components) if isinstance(components, list) else ()
    if covered not in (COVERED, COVERED_WITH_AUDIT) or any(p for _, p in components):
        raise SignatureProblem("bad_signature", "signature must cover " + " ".join(COVERED))
    if sorted(params) != sorted(PARAMETERS):
        raise SignatureProblem("bad_signature",
                               "signature parameters must be " + ", ".join(PARAMETERS))
    if params["alg"] not in ALGORITHMS:
        raise SignatureProblem("bad_signature",
                               "signature algorithm must be " + " or ".join(ALGORITHMS))
    created, nonce, keyid = params["created"], params["nonce"], params["keyid"]
    if not isinstance(created, int) or isinstance(created, bool) or not 0 <= created < 10**12:
        raise SignatureProblem("bad_signature", "created must be a UNIX time")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise SignatureProblem("bad_signature", "nonce must be 16-64 URL-safe characters")
    if not isinstance(keyid, str) or not _KEYID.fullmatch(keyid):
        raise SignatureProblem("bad_signature", "keyid is not a device id")
    value, _ = signatures[LABEL]
    if not isinstance(value, bytes):
        raise SignatureProblem("bad_signature", "Signature is not a byte sequence")
    head = None
    if covered == COVERED_WITH_AUDIT:
        match = re.fullmatch(AUDIT_HEAD_PATTERN, headers.get(AUDIT_HEAD_HEADER, ""))
        if match is None:
            raise SignatureProblem("bad_signature", f"{AUDIT_HEAD_HEADER} is not ENTRIES:SHA256")
        head = (int(match.group(1)), match.group(2))
    return SignedParams(keyid, created, nonce, covered, head, params["alg"])


def verify_request(key: DevicePublicKey, method: str, url: str, headers: dict[str, str],
                   body: bytes, covered: tuple[str, ...] = COVERED) -> None:
    """Check the signature (of a request `parse_signature_headers` accepted) and the body's
    digest; SignatureProblem("bad_signature") if either fails. `url` is absolute, with the
    authority the server answers to, so a request signed for another server fails here.
    The algorithm is `key`'s (the registered one): an `alg` naming another is refused."""
    try:
        algorithm = algorithm_of(key)
    except ValueError:
        raise SignatureProblem("bad_signature", "the device's registered key is not a device"
                               " key (Ed25519 or P-256)") from None
    verifier = HTTPMessageVerifier(signature_algorithm=_ALGORITHM_CLASSES[algorithm],
                                   key_resolver=_OneKey(key))
    # The clock is `check_clock`'s, after the signature: a bad clock must not hide a bad key.
    verifier.max_clock_skew = datetime.timedelta(days=36500)
    message = _Message(method.upper(), url, headers)
    try:
        # One signature only (`parse_signature_headers`), so no label needs selecting.
        verifier.verify(message, max_age=None, require_components=covered, body=body)
    except (InvalidSignature, HTTPMessageSignaturesException):
        raise SignatureProblem("bad_signature", "request signature or Content-Digest does not"
                               " verify (wrong key, changed in transit, or signed for another"
                               " server)") from None


def check_clock(created: int, now: float, max_skew_s: float = MAX_CLOCK_SKEW_S) -> None:
    """SignatureProblem("clock_skew") when `created` is further than the bound from `now`."""
    skew = created - now
    if abs(skew) > max_skew_s:
        ahead = "ahead of" if skew > 0 else "behind"
        raise SignatureProblem(
            "clock_skew",
            f"device clock is {abs(skew):.0f} s {ahead} the server's (limit {max_skew_s:.0f} s)",
        )
