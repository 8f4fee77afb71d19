"""The API's routes: what each operation answers. Checks live elsewhere (`auth`, `bodies`,
`ingest`); every route with a body reads it only after `auth` has verified its signature."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel

from central_api_client.contract import DEVICE_ID_PATTERN, RECORD_ID_PATTERN, utc_now
from central_api_client.logs import LogEvent, event
from provincial_api import bodies
from provincial_api.auth import SignedRequest
from provincial_api.domain import Registry, Store
from provincial_api.errors import SIGNED_ROUTE_ERRORS, UPLOAD_ROUTE_ERRORS, ApiProblem, ErrorBody
from provincial_api.ingest import Outcome, Refused, Stored, ingest
from provincial_api.models import (
    Ack,
    BatchResult,
    BatchUpload,
    DayReportBody,
    DayReportResult,
    DeviceRecords,
    Health,
    HeartbeatReport,
    HeartbeatResult,
    RecordMetadata,
    RecordUpload,
    StatusItem,
    StatusQuery,
    StatusResult,
    VoidReport,
    VoidResult,
    record_metadata,
)
from provincial_api.receipt_signer import ReceiptSigner

API_VERSION = "1.0.0"
MAX_LIST = 10_000

log = logging.getLogger("provincial_api")

RecordId = Annotated[str, PathParam(pattern=RECORD_ID_PATTERN, description="UUID, lower case")]
DeviceId = Annotated[str, PathParam(pattern=DEVICE_ID_PATTERN)]


def app_store(request: Request) -> Store:
    """Dependency: the app's store (none when the app was made only for its OpenAPI document)."""
    store: Store | None = request.app.state.store
    if store is None:
        raise ApiProblem(503, "no_storage", "server started without a database")
    return store


AppStore = Annotated[Store, Depends(app_store)]


def app_registry(request: Request) -> Registry:
    """Dependency: the device registry, where what devices report of themselves is kept."""
    registry: Registry | None = request.app.state.authenticator.registry
    if registry is None:
        raise ApiProblem(503, "no_storage", "server started without a database")
    return registry


AppRegistry = Annotated[Registry, Depends(app_registry)]

router = APIRouter()


def receipts(request: Request) -> ReceiptSigner:
    signer: ReceiptSigner = request.app.state.receipts
    return signer


Receipts = Annotated[ReceiptSigner, Depends(receipts)]


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its body itself (after the signature)."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


@router.put(
    "/v1/records/{record_id}",
    operation_id="put_record",
    response_model=Ack,
    status_code=201,
    responses={
        200: {"model": Ack, "description": "Already stored with the same sha256"},
        409: {"model": ErrorBody, "description": "Record id holds a different sha256"},
        **UPLOAD_ROUTE_ERRORS,
    },
    openapi_extra=_body(RecordUpload),
)
def put_record(record_id: RecordId, signed: SignedRequest, store: AppStore,
               signer: Receipts) -> Any:
    """Store a sealed record after checking its size, hash and device signature; answer with
    the province's signed receipt."""
    device = signed.device
    record = bodies.put_record(signed.body, record_id, device.device_id)
    (outcome,) = ingest(store, device, [record], utc_now())
    _log(outcome)
    if isinstance(outcome, Refused):
        raise ApiProblem(outcome.status, outcome.code, outcome.reason)
    return Response(orjson.dumps(signer.receipt(outcome.record).to_wire()),
                    status_code=201 if outcome.created else 200, media_type="application/json")


@router.post(
    "/v1/records:batch",
    operation_id="put_records",
    response_model=BatchResult,
    responses=UPLOAD_ROUTE_ERRORS,
    openapi_extra=_body(BatchUpload),
)
def put_records(signed: SignedRequest, store: AppStore, signer: Receipts) -> Response:
    """Store up to MAX_BATCH_RECORDS sealed records at once, each exactly as a PUT would.

    One request, one device signature, one transaction for the lot: what makes a backlog
    drain fast. Each record is read and judged on its own and gets its own outcome (a signed
    receipt, or the refusal a PUT would answer); one refused record refuses no other.
    """
    # The answer is `BatchResult` (the OpenAPI document says so), written by `batch_item`
    # and orjson rather than validated field by field through pydantic models: its every
    # value comes from a receipt this server just signed or a refusal it just made, and the
    # models' round trip was a tenth of the server's CPU per record (bench_drain.py).
    device = signed.device
    records = bodies.batch_records(signed.body, device.device_id)
    outcomes = ingest(store, device, records, utc_now())
    results = []
    for outcome in outcomes:
        _log(outcome, batch=True)
        results.append(batch_item(outcome, signer))
    event(log, LogEvent.API_BATCH_STORED, device_id=device.device_id, count=len(records),
          stored=sum(1 for r in results if r["status"] == 201))
    return Response(orjson.dumps({"results": results}), media_type="application/json")


def batch_item(outcome: Outcome, signer: ReceiptSigner) -> dict[str, Any]:
    """One `BatchItem` of the answer as JSON-ready values, every key of the model present."""
    if isinstance(outcome, Refused):
        error = {"error": outcome.code, "reason": outcome.reason, "fields": None,
                 "server_time": None, "retry_after_s": None}
        return {"record_id": outcome.record_id, "status": outcome.status, "ack": None,
                "error": error}
    return {"record_id": outcome.record.record_id, "status": 201 if outcome.created else 200,
            "ack": signer.receipt(outcome.record).to_wire(), "error": None}


@router.post(
    "/v1/records:status",
    operation_id="record_status",
    response_model=StatusResult,
    responses=SIGNED_ROUTE_ERRORS,
    openapi_extra=_body(StatusQuery),
)
def record_status(signed: SignedRequest, store: AppStore, signer: Receipts) -> StatusResult:
    """Which of these records the province holds from the signing device, each held one with
    its signed receipt: how a kiosk reconciles its outbox with the province (never another
    device's records)."""
    results = []
    for record_id in bodies.status_ids(signed.body):
        stored = store.get(record_id, signed.device.device_id)
        if stored is None:
            results.append(StatusItem(record_id=record_id, held=False))
        else:
            results.append(StatusItem(record_id=record_id, held=True,
                                      ack=Ack.of(signer.receipt(stored))))
    return StatusResult(results=results)


@router.post(
    "/v1/numbers:void",
    operation_id="report_voided_numbers",
    response_model=VoidResult,
    responses=SIGNED_ROUTE_ERRORS,
    openapi_extra=_body(VoidReport),
)
def report_voided_numbers(signed: SignedRequest, registry: AppRegistry) -> VoidResult:
    """Sequence numbers the signing device voided (reserved by a session that never finished):
    the province learns which numbers no candidate holds. Kept once per (device, number); a
    repeated report, after an answer was lost, changes nothing."""
    voids = bodies.voided_numbers(signed.body)
    new = registry.note_voids(signed.device.device_id, voids, utc_now())
    event(log, LogEvent.API_VOIDS_REPORTED, device_id=signed.device.device_id,
          count=len(voids), new=new)
    return VoidResult(received=len(voids), new=new)


@router.post(
    "/v1/heartbeat",
    operation_id="report_heartbeat",
    response_model=HeartbeatResult,
    responses=SIGNED_ROUTE_ERRORS,
    openapi_extra=_body(HeartbeatReport),
)
def report_heartbeat(signed: SignedRequest, registry: AppRegistry,
                     request: Request) -> HeartbeatResult:
    """How the signing device is: kept as its latest (with the time received), for the
    central admins' `kiosk-admin fleet`. A heartbeat sent before the one kept changes nothing."""
    heartbeat = bodies.heartbeat(signed.body)
    received_at = utc_now()
    sent = datetime.fromisoformat(heartbeat.sent_at).timestamp()
    if abs(sent - time.time()) > request.app.state.authenticator.max_skew_s:
        # Kept as the latest by its sent_at: one dated ahead would hide every later one.
        raise ApiProblem(422, "invalid_request", "sent_at is too far from the server's clock")
    registry.note_heartbeat(signed.device.device_id, heartbeat, received_at)
    event(log, LogEvent.API_HEARTBEAT, device_id=signed.device.device_id,
          queue_depth=heartbeat.queue_depth, faults=len(heartbeat.faults))
    return HeartbeatResult(received_at=received_at)


@router.post(
    "/v1/day-reports",
    operation_id="report_day",
    response_model=DayReportResult,
    responses=SIGNED_ROUTE_ERRORS,
    openapi_extra=_body(DayReportBody),
)
def report_day(signed: SignedRequest, registry: AppRegistry,
               request: Request) -> DayReportResult:
    """The signing device's end-of-day report, confirmed on the kiosk by a supervisor's card
    (its signature, for this device, by a card the staff CA issued to that supervisor): kept
    one per (device, day), a later confirmation of the day replacing the earlier."""
    staff_ca = request.app.state.staff_ca
    if staff_ca is None and not request.app.state.authenticator.dev_enrol:
        raise ApiProblem(503, "staff_ca_not_configured", "this server checks day reports'"
                         " cards against no staff CA: start it with --staff-ca")
    report = bodies.day_report(signed.body, signed.device.device_id, staff_ca)
    received_at = utc_now()
    registry.note_day_report(signed.device.device_id, report, received_at)
    event(log, LogEvent.API_DAY_REPORT, device_id=signed.device.device_id, day=report.day)
    return DayReportResult(received_at=received_at)


@router.get(
    "/v1/records/{record_id}",
    operation_id="get_record",
    response_model=RecordMetadata,
    responses={404: {"model": ErrorBody, "description": "No such record"},
               **SIGNED_ROUTE_ERRORS},
)
def get_record(record_id: RecordId, signed: SignedRequest, store: AppStore) -> Any:
    """A record's metadata (never its blob); a device sees only its own records."""
    device = signed.device
    stored = store.get(record_id, device.device_id)
    if stored is None:
        raise ApiProblem(404, "not_found", "no record with this id")
    return record_metadata(stored)


@router.get(
    "/v1/devices/{device_id}/records",
    operation_id="device_records",
    response_model=DeviceRecords,
    responses=SIGNED_ROUTE_ERRORS,
)
def device_records(
    device_id: DeviceId,
    signed: SignedRequest,
    store: AppStore,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 1000,
) -> DeviceRecords:
    """Metadata of what one device uploaded, oldest first, at most `limit` (its own only)."""
    if device_id != signed.device.device_id:
        raise ApiProblem(403, "device_mismatch", "a device may list only its own records")
    records = store.device_records(device_id, limit)
    return DeviceRecords(device_id=device_id, records=[record_metadata(r) for r in records])


@router.get("/v1/health", operation_id="health", response_model=Health)
def health() -> Health:
    return Health(status="ok", time=utc_now(), version=API_VERSION)



def _log(outcome: Outcome, *, batch: bool = False) -> None:
    """One event per record refused (with its code) or, for a PUT, stored or repeated."""
    if isinstance(outcome, Refused):
        if outcome.status == 422:
            event(log, LogEvent.API_RECORD_REJECTED, level=logging.WARNING,
                  record_id=outcome.record_id, error=outcome.code)
        elif outcome.status == 409:
            event(log, LogEvent.API_RECORD_CONFLICT, level=logging.WARNING,
                  record_id=outcome.record_id)
    elif isinstance(outcome, Stored) and not batch:
        if outcome.created:
            event(log, LogEvent.API_RECORD_STORED, record_id=outcome.record.record_id,
                  device_id=outcome.record.device_id, size=outcome.record.size)
        else:
            event(log, LogEvent.API_RECORD_REPEATED, record_id=outcome.record.record_id)
