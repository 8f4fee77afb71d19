"""The API's request and response bodies; openapi.yaml is generated from these.

The record bodies are not written here: `wire_model` builds them from the field metadata of
the contract's dataclasses (`central_api_client.records`), so a bound is declared once for the
kiosk that makes a record and the server that judges it. Request bodies are strict (no "12"
for 12, no unknown keys), so a bad body is refused with a 422 naming the field before any work
is done on it. pydantic stays here, on the server: the kiosk never imports it (start time).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from central_api_client.contract import (
    DEVICE_ID_PATTERN,
    MAX_BATCH_RECORDS,
    MAX_STATUS_IDS,
    RECORD_ID_PATTERN,
    SHA256_PATTERN,
    TIMESTAMP_PATTERN,
)
from central_api_client.day_report import (
    DAY_PATTERN,
    FINGERPRINT_PATTERN,
    MAX_CARD_CERTIFICATE_BYTES,
    MAX_CARD_SIGNATURE_BYTES,
    STAFF_NUMBER_PATTERN,
    WORKFLOW_PATTERN,
)
from central_api_client.day_report import MAX_COUNT as DAY_MAX_COUNT
from central_api_client.day_report import MAX_WORKFLOWS as DAY_MAX_WORKFLOWS
from central_api_client.heartbeat import (
    APP_VERSION_PATTERN,
    AUDIT_HEAD_PATTERN,
    HEALTH_CODE_PATTERN,
    MAX_AGE_S,
    MAX_CONFIG_VERSION,
    MAX_DISK_FREE_MB,
    MAX_HARDWARE_PARTS,
    MAX_QUEUE_DEPTH,
    PART_PATTERN,
)
from central_api_client.receipts import SERVER_ID_PATTERN, Receipt
from central_api_client.records import (
    ReceivedRecord,
    RecordMeta,
    SealedRecord,
    aware_time_problem,
)
from central_api_client.voids import MAX_VOIDS_PER_REPORT, SEQUENCE_NUMBER_PATTERN
from provincial_api.errors import ErrorBody


def b64_length(n_bytes: int) -> int:
    """Characters of standard base64 (with padding) for `n_bytes` bytes."""
    return 4 * ((n_bytes + 2) // 3)


def wire_model(name: str, record_type: type[RecordMeta], *, doc: str, strict: bool = True,
               without: tuple[str, ...] = ()) -> type[BaseModel]:
    """A pydantic model of `record_type`'s JSON form, its bounds read from the field metadata
    (`records.wire`): pattern, max_length, ge/le, binary as base64 text with its length
    bounds, aware_time as a validator, and the description. `strict`: a request body (no
    coercion, no unknown keys); `without`: fields the body does not carry (a PUT's id)."""
    definitions: dict[str, Any] = {}
    for f in fields(record_type):
        if f.name in without:
            continue
        bounds = f.metadata["wire"]
        definitions[f.name] = (_annotation(bounds), _field(bounds))
    config = ConfigDict(extra="forbid", strict=True) if strict else ConfigDict()
    return create_model(name, __config__=config, __doc__=doc, **definitions)


def _annotation(bounds: dict[str, Any]) -> Any:
    if "ge" in bounds:
        return int
    if bounds.get("aware_time"):
        return Annotated[str, AfterValidator(_aware_time)]
    return str


def _field(bounds: dict[str, Any]) -> Any:
    constraints: dict[str, Any] = {"description": bounds["description"]}
    if bounds.get("binary"):
        if "min_bytes" in bounds:
            constraints["min_length"] = b64_length(bounds["min_bytes"])
        constraints["max_length"] = b64_length(bounds["max_bytes"])
    else:
        constraints.update({k: bounds[k] for k in ("pattern", "max_length", "ge", "le")
                            if k in bounds})
    return Field(**constraints)


def _aware_time(value: str) -> str:
    """The contract's own time check (`records.aware_time_problem`), as a pydantic validator."""
    problem = aware_time_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A sealed record as a kiosk PUTs it (its id is in the path); binary fields standard base64.
RecordUpload = wire_model("RecordUpload", SealedRecord, without=("record_id",),
                          doc="A sealed record as a kiosk sends it; binary fields are standard"
                          " base64 with padding.")
# One record of a batch: the PUT body with its id.
BatchRecord = wire_model("BatchRecord", SealedRecord,
                         doc="One record of a batch: a RecordUpload with its id, which the PUT"
                         " takes from the path.")
RecordMetadata = wire_model("RecordMetadata", ReceivedRecord, strict=False,
                            doc="What may be listed of a record: never its blob.")


def record_metadata(record: ReceivedRecord) -> BaseModel:
    return RecordMetadata(**{f.name: getattr(record, f.name) for f in fields(ReceivedRecord)})


class Ack(BaseModel):
    """The province's signed receipt for one record (`central_api_client.receipts`): the kiosk
    counts a record delivered only when `signature` verifies with the province's receipt key."""

    record_id: str = Field(pattern=RECORD_ID_PATTERN)
    device_id: str = Field(pattern=DEVICE_ID_PATTERN)
    sha256: str = Field(pattern=SHA256_PATTERN)
    received_at: str
    server: str = Field(pattern=SERVER_ID_PATTERN, description="which server stored it")
    signature: str = Field(description="Ed25519 by the province's receipt key over the other"
                           " fields (receipts.Receipt.signed_message), base64")

    @classmethod
    def of(cls, receipt: Receipt) -> Ack:
        return cls(**receipt.to_wire())


class DeviceRecords(BaseModel):
    device_id: str
    records: list[RecordMetadata]  # type: ignore[valid-type]


class Health(BaseModel):
    status: Literal["ok"]
    time: str
    version: str


class BatchUpload(BaseModel):
    """The batch request body (documented here; read by `bodies`, after authentication, each
    record judged on its own)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    records: list[BatchRecord] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=MAX_BATCH_RECORDS)


class StatusQuery(BaseModel):
    """Which of these records does the province hold from the signing device?"""

    model_config = ConfigDict(extra="forbid", strict=True)

    record_ids: list[str] = Field(min_length=1, max_length=MAX_STATUS_IDS)


class VoidedItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    number: str = Field(pattern=SEQUENCE_NUMBER_PATTERN, description="county code + serial")
    voided_at: str = Field(pattern=TIMESTAMP_PATTERN)


class VoidReport(BaseModel):
    """Sequence numbers the signing device reserved and voided: never issued to a candidate."""

    model_config = ConfigDict(extra="forbid", strict=True)

    voided: list[VoidedItem] = Field(min_length=1, max_length=MAX_VOIDS_PER_REPORT)


class VoidResult(BaseModel):
    received: int = Field(description="numbers in the report")
    new: int = Field(description="numbers not reported before")


class HeartbeatReport(BaseModel):
    """How the signing device is (`central_api_client.heartbeat`, whose parser judges the
    body): never anything about a candidate."""

    model_config = ConfigDict(extra="forbid", strict=True)

    config_version: int | None = Field(ge=1, le=MAX_CONFIG_VERSION,
                                       description="the signed bundle in force; null: none")
    app_version: str = Field(pattern=APP_VERSION_PATTERN)
    queue_depth: int = Field(ge=0, le=MAX_QUEUE_DEPTH, description="records not acknowledged")
    oldest_unacknowledged_s: int | None = Field(
        ge=0, le=MAX_AGE_S, description="age of the oldest of them; null exactly when none")
    hardware: dict[Annotated[str, Field(pattern=PART_PATTERN)],
                   Annotated[str, Field(pattern=HEALTH_CODE_PATTERN)]] = Field(
        max_length=MAX_HARDWARE_PARTS, description='part -> "ok" or its fault code')
    audit_head: str = Field(pattern=AUDIT_HEAD_PATTERN, description="COUNT:SHA256")
    disk_free_mb: int = Field(ge=0, le=MAX_DISK_FREE_MB)
    sent_at: str = Field(pattern=TIMESTAMP_PATTERN)


class HeartbeatResult(BaseModel):
    received_at: str = Field(description="when the province received it (its clock)")


class OutcomeCounts(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    started: int = Field(ge=0, le=DAY_MAX_COUNT)
    completed: int = Field(ge=0, le=DAY_MAX_COUNT)
    cancelled: int = Field(ge=0, le=DAY_MAX_COUNT)
    timed_out: int = Field(ge=0, le=DAY_MAX_COUNT)
    exception: int = Field(ge=0, le=DAY_MAX_COUNT)


class DayReportBody(BaseModel):
    """A kiosk's end-of-day report, confirmed by a supervisor's card
    (`central_api_client.day_report`, whose parser judges the body): counts only."""

    model_config = ConfigDict(extra="forbid", strict=True)

    day: str = Field(pattern=DAY_PATTERN, description="China's calendar day, YYYY-MM-DD")
    counts: dict[Annotated[str, Field(pattern=WORKFLOW_PATTERN)], OutcomeCounts] = Field(
        max_length=DAY_MAX_WORKFLOWS, description="per workflow, the sessions' outcomes")
    numbers_used: int = Field(ge=0, le=DAY_MAX_COUNT)
    numbers_voided: int = Field(ge=0, le=DAY_MAX_COUNT)
    void_reasons: dict[Literal["candidate_left", "machine_fault", "wrong_person"],
                       Annotated[int, Field(ge=0, le=DAY_MAX_COUNT)]] = Field(
        description="numbers voided on the staff panel, by reason")
    queue_depth: int = Field(ge=0, le=DAY_MAX_COUNT)
    confirmed_by: str = Field(pattern=STAFF_NUMBER_PATTERN, description="staff number")
    card_fingerprint: str = Field(pattern=FINGERPRINT_PATTERN,
                                  description="sha256 of the supervisor card's certificate")
    confirmed_at: str = Field(pattern=TIMESTAMP_PATTERN)
    card_signature: str = Field(
        max_length=(MAX_CARD_SIGNATURE_BYTES + 2) // 3 * 4,
        description="base64 DER ECDSA P-256 by the card's key 9A over the SHA-256 of the other"
        " fields and the device id as canonical JSON (sorted keys, no spaces)")
    card_certificate: str = Field(
        max_length=(MAX_CARD_CERTIFICATE_BYTES + 2) // 3 * 4,
        description="base64 DER of that key's certificate: its SHA-256 is card_fingerprint")


class DayReportResult(BaseModel):
    received_at: str = Field(description="when the province received it (its clock)")


class StatusItem(BaseModel):
    record_id: str
    held: bool
    ack: Ack | None = Field(default=None, description="the receipt, when held")


class StatusResult(BaseModel):
    results: list[StatusItem]


class BatchItem(BaseModel):
    """The outcome of one record of a batch: `status` as the PUT would have answered it."""

    record_id: str
    status: int = Field(description="201 stored, 200 already held, 409/422 refused")
    ack: Ack | None = None
    error: ErrorBody | None = None


class BatchResult(BaseModel):
    results: list[BatchItem]


class SealedLookup(BaseModel):
    """A candidate lookup: exam, ID number and a one-request reply key, HPKE-sealed to the
    province's X25519 key for the signing device (`central_api_client.candidates`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sealed: str = Field(description="base64 of the HPKE blob", max_length=4000)


class SealedAnswer(BaseModel):
    """An answer sealed to the request's reply key: the candidate or null (lookup), the point's
    candidates (roster)."""

    sealed: str = Field(description="base64 of the HPKE blob")
