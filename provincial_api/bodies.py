"""Reading request bodies, after the request's signature held (`auth`), never before.

A stranger's body is only bytes whose digest was checked: parsing JSON costs memory and time,
so it waits until the signer is known. Each record of a batch is judged on its own: one record
that is too large or malformed is refused by itself (as `Unreadable`, with its code), and the
others are stored; only a body that is not a batch at all is refused as a whole. The records
are read by the contract's own parser (`SealedRecord.from_wire`), the same bounds the kiosk
seals to.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from cryptography import x509

from central_api_client.contract import (
    MAX_BATCH_RECORDS,
    MAX_STATUS_IDS,
    RECORD_ID_PATTERN,
    is_device_id,
)
from central_api_client.day_report import (
    DayReportFormatError,
    DayReportWire,
    check_card_issuer,
    parse_day_report,
    verify_card_signature,
)
from central_api_client.heartbeat import Heartbeat, HeartbeatFormatError, parse_heartbeat
from central_api_client.records import RecordFormatError, SealedRecord
from central_api_client.voids import VoidedNumber, VoidsFormatError, parse_voids_body
from provincial_api.errors import ApiProblem
from provincial_api.ingest import Unreadable

_RECORD_ID = re.compile(RECORD_ID_PATTERN)


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 422 saying it is not one (never echoing it)."""
    try:
        data = orjson.loads(body)  # strict JSON, UTF-8 only; ~2x the standard parser on batches
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(422, "invalid_json", "request body is not JSON") from None
    if not isinstance(data, dict):
        raise ApiProblem(422, "invalid_request", "request body must be a JSON object")
    return data


def put_record(body: bytes, record_id: str, signer: str) -> SealedRecord | Unreadable:
    """A PUT's record (its id from the path)."""
    return _record(json_object(body), signer, record_id=record_id)


def batch_records(body: bytes, signer: str) -> list[SealedRecord | Unreadable]:
    """A batch's records, each parsed on its own."""
    data = json_object(body)
    records = data.get("records")
    if set(data) != {"records"} or not isinstance(records, list):
        raise ApiProblem(422, "invalid_request", "a batch is {\"records\": [...]} and nothing else")
    if not 1 <= len(records) <= MAX_BATCH_RECORDS:
        raise ApiProblem(422, "invalid_request",
                         f"a batch holds 1 to {MAX_BATCH_RECORDS} records")
    return [_record(item, signer) for item in records]


def status_ids(body: bytes) -> list[str]:
    """The record ids of a status query."""
    data = json_object(body)
    ids = data.get("record_ids")
    if set(data) != {"record_ids"} or not isinstance(ids, list) \
            or not 1 <= len(ids) <= MAX_STATUS_IDS:
        raise ApiProblem(422, "invalid_request",
                         f"a status query is {{\"record_ids\": [1 to {MAX_STATUS_IDS} ids]}}")
    if not all(isinstance(i, str) and _RECORD_ID.fullmatch(i) for i in ids):
        raise ApiProblem(422, "invalid_request", "record_ids must be lower-case UUIDs")
    return list(dict.fromkeys(ids))


def voided_numbers(body: bytes) -> list[VoidedNumber]:
    """The numbers of a void report, read by the contract's parser."""
    try:
        return parse_voids_body(json_object(body))
    except VoidsFormatError as exc:
        raise ApiProblem(422, "invalid_request", str(exc)) from None


def day_report(body: bytes, device_id: str,
               staff_ca: x509.Certificate | None) -> DayReportWire:
    """A device's end-of-day report, read by the contract's parser, signed for this device
    by the supervisor's card whose certificate it carries, which `staff_ca` issued (None: a
    development server, which checks the signature only)."""
    try:
        report = parse_day_report(json_object(body))
        verify_card_signature(report, device_id)
        if staff_ca is not None:
            check_card_issuer(report, staff_ca)
        return report
    except DayReportFormatError as exc:
        raise ApiProblem(422, "invalid_request", str(exc)) from None


def heartbeat(body: bytes) -> Heartbeat:
    """A device's heartbeat, read by the contract's parser."""
    try:
        return parse_heartbeat(json_object(body))
    except HeartbeatFormatError as exc:
        raise ApiProblem(422, "invalid_request", str(exc)) from None


def _record(item: object, signer: str, *, record_id: str | None = None
            ) -> SealedRecord | Unreadable:
    """One record, or why it cannot be read, under the id and device it names where those
    can be read (else the path's id, and the signer, so the refusal says what is wrong)."""
    try:
        return SealedRecord.from_wire(item, record_id=record_id)
    except RecordFormatError as exc:
        named = item if isinstance(item, dict) else {}
        rid = named.get("record_id", record_id)
        device = named.get("device_id")
        return Unreadable(
            rid if isinstance(rid, str) and _RECORD_ID.fullmatch(rid) else (record_id or ""),
            device if isinstance(device, str) and is_device_id(device) else signer,
            exc.code, exc.reason,
        )
