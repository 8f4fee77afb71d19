"""Device authentication: HTTP Message Signatures (RFC 9421) with Ed25519, shared by both sides.

Every request a kiosk makes is signed by its device key, so the province knows which machine is
talking without passwords or client certificates, and a copied request cannot be sent again:
the signature covers the method, the path and query, a digest of the body (RFC 9530
`Content-Digest`), a creation time and a random nonce. The server keeps a registry of device
public keys, refuses a time too far from its own and remembers the nonces it has seen.

Only the subset of RFC 9421 this API needs is implemented, strictly: one signature labelled
`kiosk`, the covered components below in this order, `alg="ed25519"`. A request signed any other
way is refused rather than interpreted, which keeps the verifier small enough to read whole.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LABEL = "kiosk"
ALGORITHM = "ed25519"
COVERED = ("@method", "@path", "@query", "content-digest")
# A kiosk's clock may drift this far from the server's before its requests are refused. Five
# minutes is the usual bound (Kerberos, AWS SigV4); the nonce memory must span twice of it.
MAX_CLOCK_SKEW_S = 300
# Header carrying the device's raw public key, read only by a server in development enrolment
# mode (trust on first use). A registered device's key comes from the registry, never from here.
DEV_PUBLIC_KEY_HEADER = "kiosk-device-public-key"

_PARAMS = re.compile(
    r'^\(("[a-z@-]+"(?: "[a-z@-]+")*)\);created=(\d{1,12});nonce="([A-Za-z0-9_-]{16,64})"'
    r';keyid="([A-Za-z0-9][A-Za-z0-9._-]{0,63})";alg="([a-z0-9-]+)"$'
)


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
    params_text: str  # the `Signature-Input` value after `kiosk=`, as signed
    signature: bytes


def content_digest(body: bytes) -> str:
    """RFC 9530 `Content-Digest` value of a body: `sha-256=:<base64>:`."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def signature_base(method: str, path: str, query: str, digest: str, params_text: str) -> bytes:
    """The RFC 9421 signature base: one line per covered component, then the parameters.

    `query` is the raw query string with its leading "?" ("?" alone when there is none, as the
    RFC says for `@query`).
    """
    lines = [
        f'"@method": {method.upper()}',
        f'"@path": {path}',
        f'"@query": {query or "?"}',
        f'"content-digest": {digest}',
        f'"@signature-params": {params_text}',
    ]
    return "\n".join(lines).encode("utf-8")


def sign_request(
    key: Ed25519PrivateKey,
    keyid: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that sign one request: Content-Digest, Signature-Input, Signature."""
    created = int(time.time() if now is None else now)
    nonce = nonce or secrets.token_urlsafe(18)
    components = " ".join(f'"{c}"' for c in COVERED)
    params_text = (
        f'({components});created={created};nonce="{nonce}";keyid="{keyid}";alg="{ALGORITHM}"'
    )
    digest = content_digest(body)
    signature = key.sign(signature_base(method, path, query, digest, params_text))
    return {
        "content-digest": digest,
        "signature-input": f"{LABEL}={params_text}",
        "signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:",
    }


def parse_signature_headers(headers: dict[str, str]) -> SignedParams:
    """Read `Signature-Input` and `Signature`; SignatureProblem when absent or not our form."""
    sig_input = headers.get("signature-input")
    sig = headers.get("signature")
    if not sig_input or not sig:
        raise SignatureProblem("signature_missing", "request is not signed by a device key")
    prefix = f"{LABEL}="
    if not sig_input.startswith(prefix) or not sig.startswith(prefix + ":"):
        raise SignatureProblem("bad_signature", f"expected one signature labelled {LABEL!r}")
    params_text = sig_input[len(prefix):]
    match = _PARAMS.match(params_text)
    if match is None:
        raise SignatureProblem("bad_signature", "Signature-Input is not in the accepted form")
    components, created, nonce, keyid, alg = match.groups()
    if tuple(c.strip('"') for c in components.split(" ")) != COVERED:
        raise SignatureProblem("bad_signature", "signature must cover " + " ".join(COVERED))
    if alg != ALGORITHM:
        raise SignatureProblem("bad_signature", f"signature algorithm must be {ALGORITHM}")
    value = sig[len(prefix):]
    if not value.endswith(":") or len(value) < 3:
        raise SignatureProblem("bad_signature", "Signature is not a byte sequence")
    try:
        signature = base64.b64decode(value[1:-1], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureProblem("bad_signature", "Signature is not valid base64") from None
    return SignedParams(keyid, int(created), nonce, params_text, signature)


def verify_request(
    params: SignedParams,
    key: Ed25519PublicKey,
    method: str,
    path: str,
    query: str,
    body: bytes,
    digest_header: str | None,
) -> None:
    """Check the body's digest and the signature; SignatureProblem("bad_signature") if not."""
    digest = content_digest(body)
    if digest_header != digest:
        raise SignatureProblem("bad_signature", "Content-Digest does not match the body")
    base = signature_base(method, path, query, digest, params.params_text)
    try:
        key.verify(params.signature, base)
    except InvalidSignature:
        raise SignatureProblem("bad_signature", "request signature does not verify") from None


def check_clock(created: int, now: float, max_skew_s: float = MAX_CLOCK_SKEW_S) -> None:
    """SignatureProblem("clock_skew") when `created` is further than the bound from `now`."""
    skew = created - now
    if abs(skew) > max_skew_s:
        ahead = "ahead of" if skew > 0 else "behind"
        raise SignatureProblem(
            "clock_skew",
            f"device clock is {abs(skew):.0f} s {ahead} the server's (limit {max_skew_s:.0f} s)",
        )
