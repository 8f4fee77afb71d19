"""What the reference server works with, and what it asks of its storage: one module.

The records themselves are the contract's types (`central_api_client.records`): a
`SealedRecord` arrives and is stored, a `ReceivedRecord` is what may be listed of it. Here are
the server's own: an enrolled `Device`, the two refusals storage can give, and the `Store` and
`Registry` Protocols that the SQLite (`sqlite_store`, `sqlite_registry`) and PostgreSQL
(`pg_store`, `pg_registry`) adapters both implement, chosen by `backend` from `--db`.

Both backends keep the same promises: a record is keyed by its id and the device that sealed it,
so one device's upload never blocks or takes credit for another's record of the same id; under
that key one blob (a repeat is acknowledged, a different blob is a conflict); every write is
durable before it is acknowledged, and a nonce is accepted once per device.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from central_api_client.day_report import DayReportWire, parse_day_report
from central_api_client.device_keys import (
    DevicePublicKey,
    canonical_device_key,
    device_public_key_bytes,
    load_device_public_key,
)
from central_api_client.heartbeat import Heartbeat, parse_heartbeat
from central_api_client.records import ReceivedRecord, SealedRecord
from central_api_client.voids import VoidedNumber

__all__ = [
    "AuditHeadSeen",
    "ConflictError",
    "DayReportSeen",
    "DayReportWire",
    "Device",
    "DeviceExistsError",
    "Heartbeat",
    "HeartbeatSeen",
    "Put",
    "ReceivedRecord",
    "Registry",
    "SealedRecord",
    "Store",
    "VoidSeen",
    "VoidedNumber",
    "canonical_device_key",
    "raw_public_key",
]


class ConflictError(Exception):
    """The device already holds a different blob under this record id."""


class DeviceExistsError(Exception):
    """The device id is enrolled already, with another key."""


@dataclass(frozen=True)
class Device:
    """A kiosk the province accepts uploads from, by its public key: Ed25519 (a development
    kiosk's file key) or ECC P-256 (a kiosk's TPM). The key decides the algorithm its
    signatures are checked in, whatever a request or record claims."""

    device_id: str
    public_key: bytes  # `device_keys.device_public_key_bytes`: raw Ed25519, DER P-256
    enrolled_at: str
    enrolled_by: str  # "operator", "enrolment" (a token) or "dev-enrol"
    active: bool

    def key(self) -> DevicePublicKey:
        return load_device_public_key(self.public_key)


def raw_public_key(key: DevicePublicKey) -> bytes:
    """A key as the registry holds it: raw 32 bytes for Ed25519, DER SubjectPublicKeyInfo for
    P-256 (the name is older than P-256 keys)."""
    return device_public_key_bytes(key)


# A store's answer for one record: (what is stored, True when this call stored it), or the
# ConflictError when the device's record of that id holds another blob.
Put = tuple[ReceivedRecord, bool] | ConflictError

# The records table's columns come from the wire type's fields, so both adapters select what
# records.py declares and nothing else.
META_COLUMNS = ", ".join(f.name for f in fields(ReceivedRecord))
SEALED_COLUMNS = ", ".join(f.name for f in fields(SealedRecord))


def sealed_from_row(row: Sequence[Any]) -> tuple[SealedRecord, bytes]:
    """A `SELECT {SEALED_COLUMNS}, device_public_key` row: the record and its signer's key
    (drivers hand binaries back as memoryview or bytes)."""
    values: list[Any] = [bytes(v) if isinstance(v, memoryview | bytearray) else v for v in row]
    *columns, key = values
    return SealedRecord(*columns), bytes(key)


@dataclass(frozen=True)
class AuditHeadSeen:
    """The latest head of a device's audit chain the province saw: how many entries, the
    newest one's hash, when, and what went wrong if a later request showed less."""

    device_id: str
    count: int
    head: str
    created: int  # the signed creation time of the request that reported it
    seen_at: str
    problem: str | None = None  # "truncated" or "rewritten", kept once seen


AUDIT_HEAD_COLUMNS = ", ".join(f.name for f in fields(AuditHeadSeen))


@dataclass(frozen=True)
class VoidSeen:
    """A sequence number a device told the province it voided: never issued to a candidate."""

    device_id: str
    number: str
    voided_at: str
    received_at: str


VOID_COLUMNS = ", ".join(f.name for f in fields(VoidSeen))


@dataclass(frozen=True)
class HeartbeatSeen:
    """A device's latest heartbeat and when the province received it (its own clock: the
    device's `sent_at` says when it was sent, `received_at` is what "last seen" means)."""

    device_id: str
    heartbeat: Heartbeat
    received_at: str


# How both backends keep a heartbeat: the wire JSON as text, beside the times it is ordered by.
HEARTBEAT_COLUMNS = "device_id, body, received_at"
DAY_REPORT_COLUMNS = "body, received_at"


@dataclass(frozen=True)
class DayReportSeen:
    report: DayReportWire
    received_at: str


def day_report_json(report: DayReportWire) -> str:
    return json.dumps(report.to_wire(), sort_keys=True, separators=(",", ":"))


def day_report_seen(row: Sequence[Any]) -> DayReportSeen:
    """A `SELECT {DAY_REPORT_COLUMNS}` row, parsed again by the contract. A report kept
    before reports carried the card's signature reads with both left empty."""
    body, received_at = row
    kept = {"card_signature": "", "card_certificate": "", **json.loads(body)}
    return DayReportSeen(parse_day_report(kept), received_at)


def heartbeat_json(heartbeat: Heartbeat) -> str:
    """The heartbeat as stored: canonical JSON of its wire form."""
    return json.dumps(heartbeat.to_wire(), sort_keys=True, separators=(",", ":"))


def heartbeat_seen(row: Sequence[Any]) -> HeartbeatSeen:
    """A `SELECT {HEARTBEAT_COLUMNS}` row, parsed again by the contract (it was on the way in)."""
    device_id, body, received_at = row
    return HeartbeatSeen(device_id, parse_heartbeat(json.loads(body)), received_at)


def audit_head_problem(seen: AuditHeadSeen | None, count: int, head: str,
                       created: int) -> str | None:
    """What a newly reported head says about the chain since the last one. A chain only
    grows: the same length with another head was rewritten; a shorter one in a request made
    after the longer one's was truncated. (A shorter one made earlier is a request overtaken
    on the way: the uploader sends several at once.)"""
    if seen is None or count > seen.count:
        return None
    if count == seen.count:
        return None if head == seen.head else "rewritten"
    return "truncated" if created > seen.created else None


class Store(Protocol):
    """The records table. Only verified records are put (see `ingest`), each with the key of
    the device that signed it, kept beside it as the proof of where it came from."""

    def put_many(
        self, records: list[SealedRecord], device_public_key: bytes, received_at: str
    ) -> list[Put]:
        """Store records durably together, one outcome each, in order: a repeat of a stored
        record (same id, same device) gets the first one's ReceivedRecord (and False), another
        blob a ConflictError. Another device's record of the same id is no repeat."""
        ...

    def get(self, record_id: str, device_id: str) -> ReceivedRecord | None:
        """One device's record of this id."""
        ...

    def sealed(self, record_id: str, device_id: str) -> tuple[SealedRecord, bytes] | None:
        """The record as received, and the raw key it was verified with on the way in (kept
        as evidence; `open` checks against the registry, not this)."""
        ...

    def holders(self, record_id: str) -> list[str]:
        """The devices holding a record of this id, sorted (for tools given only an id)."""
        ...

    def device_records(self, device_id: str, limit: int) -> list[ReceivedRecord]:
        """What one device uploaded, oldest first (by received_at, then id)."""
        ...

    def all_records(self) -> list[ReceivedRecord]:
        """Every record, oldest first, as `device_records` orders them."""
        ...

    def close(self) -> None: ...


class Registry(Protocol):
    """The device registry and the memory of nonces: who may upload, what was already said."""

    def get(self, device_id: str) -> Device | None: ...

    def add(self, device_id: str, public_key: bytes, enrolled_at: str,
            enrolled_by: str) -> bool:
        """Enrol a device; False when it was already enrolled with this very key.

        `public_key`: Ed25519 (raw 32 bytes) or P-256 (DER or PEM SubjectPublicKeyInfo), kept
        in the registry's form (`canonical_device_key`). ValueError when it is neither;
        DeviceExistsError when the id is
        enrolled with another key."""
        ...

    def remove(self, device_id: str) -> bool: ...

    def set_active(self, device_id: str, active: bool) -> bool:
        """Retire (False) or reactivate (True) a device; False when it is not enrolled. A
        retired device keeps its id, key and ranges (its numbers are never handed out again);
        its requests are refused as `device_retired`."""
        ...

    def all(self) -> list[Device]: ...

    def remember_nonce(self, device_id: str, nonce: str, created: int,
                       forget_before: int) -> bool:
        """Record a nonce; False when this device used it before (a replay). Forgets nonces
        created before `forget_before` (past the clock check, they cannot pass again)."""
        ...

    def note_audit_head(self, device_id: str, count: int, head: str, created: int,
                        at: str) -> str | None:
        """Keep the longest audit chain head a device reported (`audit_head_problem`, in one
        transaction); returns the problem this report shows, if any (kept with the head)."""
        ...

    def audit_heads(self) -> dict[str, AuditHeadSeen]: ...

    def note_voids(self, device_id: str, voids: list[VoidedNumber], at: str) -> int:
        """Keep the sequence numbers a device voided, each (device, number) once (a repeated
        report changes nothing); how many were new."""
        ...

    def voids(self, device_id: str | None = None) -> list[VoidSeen]:
        """Voided numbers as reported, by device then number (one device's, or all)."""
        ...

    def note_heartbeat(self, device_id: str, heartbeat: Heartbeat, received_at: str) -> None:
        """Keep a device's heartbeat as its latest, unless one sent later is kept already (a
        request overtaken on the way never hides a newer state)."""
        ...

    def heartbeats(self) -> dict[str, HeartbeatSeen]:
        """The latest heartbeat of each device that sent one."""
        ...

    def note_day_report(self, device_id: str, report: DayReportWire, received_at: str) -> None:
        """Keep a device's end-of-day report, one per (device, day): a later confirmation of
        the same day replaces the earlier."""
        ...

    def day_reports(self, device_id: str) -> list[DayReportSeen]:
        """A device's end-of-day reports, by day."""
        ...

    def close(self) -> None: ...
