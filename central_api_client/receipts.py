"""The province's receipt: its signed word that it holds a record, the one proof a kiosk acts on.

A kiosk may let a record go (mark it delivered, later drop its blob) only on a receipt signed
by the province's receipt key, whose public half the kiosk was given (enrolment installs it; a
signed config bundle may name it instead, and during a rotation names the old key and the new
one: `ReceiptKeys`). A receipt names the record id, the device, the blob's SHA-256, when
the province received it and which server stored it, so it cannot be replayed for another
record or another device, and a server that is not the province (a proxy, a stranger on the
network answering 201) cannot make one. The server signs on demand (Ed25519 is deterministic:
the same receipt is the same bytes however often it is asked for), so it keeps no receipts.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from typing import Any, Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from central_api_client.contract import (
    DEVICE_ID_PATTERN,
    RECORD_ID_PATTERN,
    SHA256_PATTERN,
    SIGNATURE_BYTES,
)

RECEIPT_CONTEXT = b"hunan-exam-kiosk/receipt/v1\x00"
# A development server (`provincial-api serve --dev-enrol`) makes its receipt key beside its
# database under this name, and its public half under the second, for simulated kiosks.
DEV_RECEIPT_KEY_FILE = "receipt_ed25519.dev.pem"
DEV_RECEIPT_PUBLIC_KEY_FILE = "receipt_ed25519.dev.pub.pem"
SERVER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # contract.utc_timestamp's form
_PATTERNS = {
    "record_id": re.compile(RECORD_ID_PATTERN),
    "device_id": re.compile(DEVICE_ID_PATTERN),
    "sha256": re.compile(SHA256_PATTERN),
    "received_at": _TIME,
    "server": re.compile(SERVER_ID_PATTERN),
}


class ReceiptKey(Protocol):
    """What verifies a receipt's signature: one Ed25519 public key, or `ReceiptKeys`."""

    def verify(self, signature: bytes, data: bytes) -> None:
        """Return if the signature is good, else raise InvalidSignature."""


@dataclass(frozen=True)
class ReceiptKeys:
    """The province's receipt keys in force. One key, or during a rotation the old key and the
    new one, as the signed config bundle says: a receipt signed by either counts, so records
    acknowledged just before the switch and just after it are both proven."""

    keys: tuple[Ed25519PublicKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("no receipt key: nothing could be proven delivered")

    def verify(self, signature: bytes, data: bytes) -> None:
        for key in self.keys:
            try:
                key.verify(signature, data)
                return
            except InvalidSignature:
                continue
        raise InvalidSignature


class ReceiptError(ValueError):
    """A receipt that cannot count: malformed, for another record, or not the province's
    signature. `code`: receipt_malformed, receipt_mismatch or receipt_bad_signature."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Receipt:
    """The province holds `sha256` from `device_id` under `record_id` since `received_at`."""

    record_id: str
    device_id: str
    sha256: str
    received_at: str
    server: str
    signature: bytes = b""

    def signed_message(self) -> bytes:
        """Canonical JSON of every field but the signature, after a context prefix, so the
        bytes can never be taken for a record signature or anything else signed."""
        text = json.dumps(self._fields(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=True)
        return RECEIPT_CONTEXT + text.encode("ascii")

    def _fields(self) -> dict[str, str]:
        """Every field but the signature (named here, not by `asdict`, which deep-copies: a
        receipt is made and checked once per record on both sides of every upload)."""
        return {"record_id": self.record_id, "device_id": self.device_id,
                "sha256": self.sha256, "received_at": self.received_at, "server": self.server}

    def signed_by(self, key: Ed25519PrivateKey) -> Receipt:
        return replace(self, signature=key.sign(self.signed_message()))

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = self._fields()
        body["signature"] = base64.b64encode(self.signature).decode("ascii")
        return body

    def to_text(self) -> str:
        """The stored form (the kiosk's outbox keeps it beside the record)."""
        return json.dumps(self.to_wire(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_wire(cls, data: object) -> Self:
        """Parse strictly; ReceiptError("receipt_malformed") naming the field that is wrong."""
        if not isinstance(data, dict):
            raise ReceiptError("receipt_malformed", "a receipt is a JSON object")
        names = set(_PATTERNS) | {"signature"}
        if set(data) != names:
            wrong = sorted(set(data) ^ names)[0]
            raise ReceiptError("receipt_malformed", f"field {wrong} missing or unknown")
        for name, pattern in _PATTERNS.items():
            value = data[name]
            if not isinstance(value, str) or len(value) > 80 or not pattern.fullmatch(value):
                raise ReceiptError("receipt_malformed", f"{name} has the wrong form")
        raw = data["signature"]
        try:
            signature = base64.b64decode(raw, validate=True) if isinstance(raw, str) else b""
        except (binascii.Error, ValueError):
            signature = b""
        if len(signature) != SIGNATURE_BYTES:
            raise ReceiptError("receipt_malformed", "signature is not 64 bytes of base64")
        return cls(**{name: data[name] for name in _PATTERNS}, signature=signature)

    @classmethod
    def from_text(cls, text: str) -> Self:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            raise ReceiptError("receipt_malformed", "stored receipt is not JSON") from None
        return cls.from_wire(data)

    def verify(self, key: ReceiptKey, *, record_id: str, device_id: str,
               sha256: str) -> None:
        """Raise ReceiptError unless this is the province's receipt for exactly this record."""
        if (self.record_id, self.device_id, self.sha256) != (record_id, device_id, sha256):
            raise ReceiptError("receipt_mismatch",
                               "receipt is for another record id, device or hash")
        try:
            key.verify(self.signature, self.signed_message())
        except InvalidSignature:
            raise ReceiptError("receipt_bad_signature",
                               "receipt is not signed by the province's receipt key") from None
