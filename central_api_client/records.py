"""The sealed record: the one declaration of what crosses the wire, and how it is checked.

The kiosk seals into a `SealedRecord`, the outbox keeps one per row, the uploader sends it, the
export bundle writes it to a disc, and the reference server parses, verifies and stores it. Its
fields, their bounds, its JSON form and its verification are written here once; the server's
request models (and so openapi.yaml) are generated from the field metadata below, so a bound
cannot differ between the side that makes a record and the side that judges it.

Nothing here identifies a candidate: the blob is HPKE ciphertext to the province's key, so a
`SealedRecord` may sit in queues and listings.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Self

import pybase64
from cryptography.exceptions import InvalidSignature

from central_api_client.contract import (
    DEVICE_ID_PATTERN,
    MAX_BLOB_BYTES,
    MIN_BLOB_BYTES,
    RECORD_ID_PATTERN,
    SHA256_PATTERN,
    SIGNATURE_BYTES,
    WORKFLOW_PATTERN,
    signing_message,
)
from central_api_client.device_keys import DevicePublicKey, verify_device_signature


def wire(description: str, **bounds: Any) -> dict[str, Any]:
    """Field metadata: what the field means and its bounds on the wire (pattern, max_length,
    ge, le; `binary=True` for bytes carried as standard base64 with padding)."""
    return {"wire": {"description": description, **bounds}}


class RecordFormatError(ValueError):
    """A record whose shape is wrong (a missing field, a bad id, not base64): `code` and a
    `reason` naming the field, never its value."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class RecordInvalidError(ValueError):
    """A well-shaped record that does not hold together: its size, hash or device signature."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class RecordMeta:
    """What may be listed of a record anywhere: ids, workflow, time, size and hash."""

    record_id: str = field(metadata=wire("UUID, lower case", pattern=RECORD_ID_PATTERN))
    device_id: str = field(metadata=wire("the kiosk that sealed it", pattern=DEVICE_ID_PATTERN,
                                         max_length=64))
    workflow: str = field(metadata=wire("collect, confirm, ...", pattern=WORKFLOW_PATTERN,
                                        max_length=32))
    created_at: str = field(metadata=wire(
        "ISO 8601 with a time zone, e.g. 2026-11-24T02:00:00.000Z", max_length=40,
        aware_time=True))
    size: int = field(metadata=wire("bytes in the blob", ge=MIN_BLOB_BYTES, le=MAX_BLOB_BYTES))
    sha256: str = field(metadata=wire("hex SHA-256 of the blob", pattern=SHA256_PATTERN))

    def to_wire(self, *, with_id: bool = True) -> dict[str, Any]:
        """The JSON form (binary fields base64); `with_id=False` for a PUT, whose path names it."""
        body: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata["wire"].get("binary"):
                value = pybase64.b64encode_as_string(value)
            body[f.name] = value
        if not with_id:
            del body["record_id"]
        return body

    @classmethod
    def from_wire(cls, data: object, *, record_id: str | None = None) -> Self:
        """Parse the JSON form strictly (no "12" for 12, no unknown keys), checking every bound.

        `record_id`: the id from elsewhere (a PUT's path), when the body does not carry it.
        Raises RecordFormatError naming the first field that is wrong.
        """
        if not isinstance(data, dict):
            raise RecordFormatError("invalid_record", "a record is a JSON object")
        data = dict(data)
        if record_id is not None and data.setdefault("record_id", record_id) != record_id:
            raise RecordFormatError("invalid_record", "record_id differs from the path's")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise RecordFormatError("invalid_record", f"unknown field {unknown[0]}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                raise RecordFormatError("invalid_record", f"{f.name} is missing")
            values[f.name] = check_field(f.name, f.metadata["wire"], data[f.name])
        return cls(**values)


@dataclass(frozen=True)
class ReceivedRecord(RecordMeta):
    """A record as the province lists it: its metadata and when the province received it."""

    received_at: str = field(metadata=wire("when the province stored it (UTC)", max_length=40))

    @classmethod
    def of(cls, meta: RecordMeta, received_at: str) -> ReceivedRecord:
        return cls(**{f.name: getattr(meta, f.name) for f in fields(RecordMeta)},
                   received_at=received_at)


@dataclass(frozen=True)
class SealedRecord(RecordMeta):
    """A sealed record as the outbox keeps it, the API receives it and a bundle carries it."""

    blob: bytes = field(repr=False, metadata=wire(
        "HPKE ciphertext: encapsulated key then AEAD ciphertext, base64", binary=True,
        min_bytes=MIN_BLOB_BYTES, max_bytes=MAX_BLOB_BYTES))
    # 96 bytes (128 base64 characters) is room, not the length: a signature of any other
    # length than 64 (Ed25519's, or P-256's raw r||s) is refused by `verify` as
    # invalid_signature, as the API always has.
    signature: bytes = field(repr=False, metadata=wire(
        "device signature over the metadata and hash, 64 bytes, base64: Ed25519, or ECDSA"
        " P-256/SHA-256 as raw r||s, as the device's registered key says", binary=True,
        max_bytes=SIGNATURE_BYTES * 3 // 2))

    def signed_message(self) -> bytes:
        """The bytes the device signs (see `contract.signing_message`)."""
        return signing_message(
            record_id=self.record_id, device_id=self.device_id, workflow=self.workflow,
            created_at=self.created_at, size=self.size, sha256=self.sha256,
        )

    def meta(self) -> RecordMeta:
        return RecordMeta(**{f.name: getattr(self, f.name) for f in fields(RecordMeta)})

    def verify(self, device_public_key: DevicePublicKey) -> None:
        """Raise RecordInvalidError unless size, hash and the device's signature all hold.
        The signature is checked in the algorithm of the key given (the registered one):
        Ed25519, or ECDSA P-256 with SHA-256 as raw r||s (a TPM-held key)."""
        if len(self.blob) != self.size:
            raise RecordInvalidError("size_mismatch", "size does not match the blob's length")
        if hashlib.sha256(self.blob).hexdigest() != self.sha256:
            raise RecordInvalidError("sha256_mismatch", "sha256 does not match the blob")
        if len(self.signature) != SIGNATURE_BYTES:
            raise RecordInvalidError("invalid_signature", "signature must be 64 bytes")
        try:
            verify_device_signature(device_public_key, self.signature, self.signed_message())
        except InvalidSignature:
            reason = "device signature does not verify"
            raise RecordInvalidError("invalid_signature", reason) from None


def check_field(name: str, bounds: dict[str, Any], value: object) -> Any:
    """One field's value from JSON, checked against its wire bounds (RecordFormatError if not)."""
    if bounds.get("binary"):
        if not isinstance(value, str):
            raise RecordFormatError("invalid_record", f"{name} must be a base64 string")
        raw = decode_binary(name, value)
        if len(raw) < bounds.get("min_bytes", 0) or len(raw) > bounds.get("max_bytes", len(raw)):
            raise RecordFormatError("invalid_record", f"{name} has a length out of bounds")
        return raw
    if "ge" in bounds:
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordFormatError("invalid_record", f"{name} must be an integer")
        if not bounds["ge"] <= value <= bounds["le"]:
            raise RecordFormatError("invalid_record", f"{name} is out of bounds")
        return value
    if not isinstance(value, str):
        raise RecordFormatError("invalid_record", f"{name} must be a string")
    if len(value) > bounds.get("max_length", 256):
        raise RecordFormatError("invalid_record", f"{name} is too long")
    if "pattern" in bounds and not re.fullmatch(bounds["pattern"], value):
        raise RecordFormatError("invalid_record", f"{name} has the wrong form")
    if bounds.get("aware_time") and (problem := aware_time_problem(value)):
        raise RecordFormatError("invalid_record", f"{name}: {problem}")
    return value


def aware_time_problem(value: str) -> str | None:
    """What is wrong with `value` as an ISO 8601 time with a time zone, or None."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "not an ISO 8601 date-time"
    return "needs a time zone (e.g. Z)" if moment.tzinfo is None else None


def decode_binary(name: str, value: str) -> bytes:
    """A binary field's bytes from its standard base64 (with padding): RecordFormatError
    `invalid_base64` if it is not that. No bounds: those are `check_field`'s.

    pybase64 (SIMD), not the standard library: this is most of what reading an upload costs
    (~0.17 ms per 40 KB blob against ~0.005 ms); its strict mode refuses what
    `base64.b64decode(validate=True)` refuses (tests/unit/test_wire_base64.py)."""
    try:
        return pybase64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RecordFormatError("invalid_base64", f"{name} is not valid base64") from None
