"""The API's request and response bodies; openapi.yaml is generated from these.

Shapes and bounds are checked here, strictly (no "12" for 12, no unknown keys), so a bad body is
refused with a 422 naming the field before any work is done on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from central_api_client.contract import (
    DEVICE_ID_PATTERN,
    MAX_BATCH_RECORDS,
    MAX_BLOB_BYTES,
    MIN_BLOB_BYTES,
    RECORD_ID_PATTERN,
    SHA256_PATTERN,
    WORKFLOW_PATTERN,
)


def _b64_length(n_bytes: int) -> int:
    return 4 * ((n_bytes + 2) // 3)


class RecordUpload(BaseModel):
    """A sealed record as a kiosk sends it; binary fields are standard base64 with padding."""

    model_config = ConfigDict(extra="forbid", strict=True)

    device_id: str = Field(pattern=DEVICE_ID_PATTERN, max_length=64)
    workflow: str = Field(pattern=WORKFLOW_PATTERN, max_length=32)
    created_at: str = Field(
        max_length=40, description="ISO 8601 with a time zone, e.g. 2026-11-24T02:00:00.000Z"
    )
    size: int = Field(ge=MIN_BLOB_BYTES, le=MAX_BLOB_BYTES, description="bytes in the blob")
    sha256: str = Field(pattern=SHA256_PATTERN, description="hex SHA-256 of the blob")
    blob: str = Field(
        min_length=_b64_length(MIN_BLOB_BYTES),
        max_length=_b64_length(MAX_BLOB_BYTES),
        description="HPKE ciphertext: encapsulated key then AEAD ciphertext, base64",
    )
    signature: str = Field(max_length=128, description="Ed25519 signature, base64")

    @field_validator("created_at")
    @classmethod
    def _aware_time(cls, value: str) -> str:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not an ISO 8601 date-time") from None
        if moment.tzinfo is None:
            raise ValueError("needs a time zone (e.g. Z)")
        return value


class Ack(BaseModel):
    record_id: str = Field(pattern=RECORD_ID_PATTERN)
    received_at: str
    sha256: str


class RecordMetadata(BaseModel):
    record_id: str
    device_id: str
    workflow: str
    created_at: str
    size: int
    sha256: str
    received_at: str


class DeviceRecords(BaseModel):
    device_id: str
    records: list[RecordMetadata]


class Health(BaseModel):
    status: Literal["ok"]
    time: str
    version: str


class FieldError(BaseModel):
    loc: str
    msg: str


class ErrorBody(BaseModel):
    """Every 4xx and 5xx: a stable `error` code for programs and a `reason` for people."""

    error: str
    reason: str
    fields: list[FieldError] | None = None
    server_time: str | None = Field(
        default=None, description="With clock_skew: the server's time, to set the device's by"
    )


class BatchRecord(RecordUpload):
    """One record of a batch: a RecordUpload with its id, which the PUT takes from the path."""

    record_id: str = Field(pattern=RECORD_ID_PATTERN)


class BatchUpload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    records: list[BatchRecord] = Field(min_length=1, max_length=MAX_BATCH_RECORDS)


class BatchItem(BaseModel):
    """The outcome of one record of a batch: `status` as the PUT would have answered it."""

    record_id: str
    status: int = Field(description="201 stored, 200 already held, 409/422 refused")
    ack: Ack | None = None
    error: ErrorBody | None = None


class BatchResult(BaseModel):
    results: list[BatchItem]
