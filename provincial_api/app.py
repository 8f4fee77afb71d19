"""The reference provincial API: receives sealed records from kiosks and acknowledges them.

It checks everything it can without the province's private key (shape, size, hash, the
device's signature), stores each record once under its id, and answers every bad request with a
4xx that says what is wrong, in one error shape: `{"error": code, "reason": text}`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central_api_client.contract import (
    DEVICE_ID_PATTERN,
    MAX_BATCH_BODY_BYTES,
    MAX_BODY_BYTES,
    RECORD_ID_PATTERN,
    SIGNATURE_BYTES,
    signature_is_valid,
    utc_timestamp,
)
from central_api_client.logs import LogEvent, event
from central_api_client.signing import (
    DEV_PUBLIC_KEY_HEADER,
    MAX_CLOCK_SKEW_S,
    SignatureProblem,
    check_clock,
    parse_signature_headers,
    verify_request,
)
from provincial_api.backend import Db, Registry, Store, open_backend
from provincial_api.models import (
    Ack,
    BatchItem,
    BatchResult,
    BatchUpload,
    DeviceRecords,
    ErrorBody,
    FieldError,
    Health,
    RecordMetadata,
    RecordUpload,
)
from provincial_api.registry import Device
from provincial_api.storage import ConflictError, IncomingRecord, StoredRecord

API_VERSION = "1.0.0"
MAX_LIST = 10_000

log = logging.getLogger("provincial_api")

RecordId = Annotated[str, PathParam(pattern=RECORD_ID_PATTERN, description="UUID, lower case")]
DeviceId = Annotated[str, PathParam(pattern=DEVICE_ID_PATTERN)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "Device authentication failed: `error` is signature_missing,"
        " unknown_device, bad_signature, replay or clock_skew (with `server_time`)",
    },
    403: {"model": ErrorBody, "description": "Signed by another device than the one named"},
    413: {"model": ErrorBody, "description": "Body larger than the limit"},
    422: {"model": ErrorBody, "description": "Invalid request: what is wrong is in `reason`"},
}


async def signed_device(request: Request) -> Device:
    """Dependency: the enrolled device whose key signed this request (RFC 9421, see
    `central_api_client.signing`); 401 with a code saying why not."""
    body = await request.body()  # Starlette keeps it for the body model that follows
    return await run_in_threadpool(request.app.state.authenticate, request, body)


SignedDevice = Annotated[Device, Depends(signed_device)]


class ApiProblem(HTTPException):
    """A refusal with a stable machine-readable code besides the human reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(status_code=status, detail=reason)
        self.code = code


def create_app(
    db: Db | None, *, dev_enrol: bool = False, max_skew_s: float = MAX_CLOCK_SKEW_S
) -> FastAPI:
    """The app over `db`: a SQLite path or a `postgresql://` URL (`backend` tells them apart);
    None: no storage, for the OpenAPI document.

    `dev_enrol`: DEVELOPMENT ONLY. An unknown device is enrolled on its first signed request
    with the public key it sends in a header (trust on first use), so demos and tests run a
    fresh simulated kiosk without an operator. A real server enrols devices explicitly.
    """
    app = FastAPI(
        title="Hunan exam registration: provincial records API",
        version=API_VERSION,
        description=(
            "Kiosks upload sealed registration records (HPKE to the province's key, signed by"
            " the device's Ed25519 key). PUT is idempotent by record id.\n\n"
            "Every call but /v1/health is signed by an enrolled device's Ed25519 key with HTTP"
            " Message Signatures (RFC 9421): `Signature-Input: kiosk=(\"@method\" \"@path\""
            " \"@query\" \"content-digest\");created=UNIX;nonce=\"...\";keyid=\"DEVICE_ID\";"
            "alg=\"ed25519\"`, `Signature: kiosk=:BASE64:` and `Content-Digest: sha-256=:BASE64:`"
            " (RFC 9530). Refusals are 401 with `error` unknown_device, bad_signature, replay,"
            " clock_skew (with `server_time`) or signature_missing."
        ),
    )
    store, registry = open_backend(db) if db is not None else (None, None)
    if dev_enrol:
        event(log, LogEvent.API_DEV_ENROL_ON, "DEVELOPMENT enrolment: unknown devices are trusted"
              " on first use", level=logging.WARNING)

    def get_store() -> Store:
        if store is None:
            raise ApiProblem(503, "no_storage", "server started without a database")
        return store

    def authenticate(request: Request, body: bytes) -> Device:
        if registry is None:
            raise ApiProblem(503, "no_storage", "server started without a database")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            params = parse_signature_headers(headers)
            check_clock(params.created, time.time(), max_skew_s)
            device = registry.get(params.keyid)
            if device is None and dev_enrol:
                device = _dev_enrol(registry, params.keyid, headers.get(DEV_PUBLIC_KEY_HEADER))
            if device is None or not device.active:
                raise SignatureProblem("unknown_device", "this device is not enrolled")
            query = f"?{request.url.query}" if request.url.query else "?"
            verify_request(params, device.key(), request.method, request.url.path, query, body,
                           headers.get("content-digest"))
            forget = int(time.time() - 2 * max_skew_s)
            if not registry.remember_nonce(device.device_id, params.nonce, params.created, forget):
                raise SignatureProblem("replay", "this request was already received (replay)")
        except SignatureProblem as problem:
            event(log, LogEvent.API_AUTH_REFUSED, level=logging.WARNING, error=problem.code,
                  path=request.url.path)
            raise ApiProblem(401, problem.code, problem.reason) from None
        return device

    app.state.authenticate = authenticate

    _install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES,
                       batch_max_bytes=MAX_BATCH_BODY_BYTES)

    @app.put(
        "/v1/records/{record_id}",
        operation_id="put_record",
        response_model=Ack,
        status_code=201,
        responses={
            200: {"model": Ack, "description": "Already stored with the same sha256"},
            409: {"model": ErrorBody, "description": "Record id holds a different sha256"},
            **_ERRORS,
        },
    )
    def put_record(record_id: RecordId, body: RecordUpload, device: SignedDevice) -> Any:
        """Store a sealed record after checking its size, hash and device signature."""
        if body.device_id != device.device_id:
            raise ApiProblem(403, "device_mismatch", "record names another device than the signer")
        incoming = _verified(record_id, body, device)
        try:
            stored, created = get_store().put(incoming, utc_timestamp(datetime.now(UTC)))
        except ConflictError:
            event(log, LogEvent.API_RECORD_CONFLICT, level=logging.WARNING, record_id=record_id)
            reason = "record id already holds a different sha256"
            raise ApiProblem(409, "conflict", reason) from None
        ack = Ack(record_id=stored.record_id, received_at=stored.received_at, sha256=stored.sha256)
        if not created:
            event(log, LogEvent.API_RECORD_REPEATED, record_id=record_id)
            return JSONResponse(ack.model_dump(), status_code=200)
        event(
            log,
            LogEvent.API_RECORD_STORED,
            record_id=record_id,
            device_id=stored.device_id,
            size=stored.size,
        )
        return ack

    @app.post(
        "/v1/records:batch",
        operation_id="put_records",
        response_model=BatchResult,
        responses=_ERRORS,
    )
    def put_records(body: BatchUpload, device: SignedDevice) -> BatchResult:
        """Store up to MAX_BATCH_RECORDS sealed records at once, each exactly as a PUT would.

        One request, one device signature, one transaction for the lot: what makes a backlog
        drain fast. Each record gets its own outcome; one refused record refuses no other.
        """
        results: list[BatchItem] = []
        incoming: list[IncomingRecord] = []
        for item in body.records:
            if item.device_id != device.device_id:
                results.append(_batch_error(item.record_id, 403, "device_mismatch",
                                            "record names another device than the signer"))
                continue
            try:
                incoming.append(_verified(item.record_id, item, device))
            except ApiProblem as problem:
                results.append(_batch_error(item.record_id, problem.status_code,
                                            problem.code, str(problem.detail)))
        now = utc_timestamp(datetime.now(UTC))
        for record, outcome in zip(incoming, get_store().put_many(incoming, now), strict=True):
            if isinstance(outcome, ConflictError):
                results.append(_batch_error(record.record_id, 409, "conflict",
                                            "record id already holds a different sha256"))
                continue
            stored, created = outcome
            ack = Ack(record_id=stored.record_id, received_at=stored.received_at,
                      sha256=stored.sha256)
            results.append(BatchItem(record_id=stored.record_id, status=201 if created else 200,
                                     ack=ack))
        event(log, LogEvent.API_BATCH_STORED, device_id=device.device_id, count=len(body.records),
              stored=sum(1 for r in results if r.status == 201))
        return BatchResult(results=results)

    @app.get(
        "/v1/records/{record_id}",
        operation_id="get_record",
        response_model=RecordMetadata,
        responses={404: {"model": ErrorBody, "description": "No such record"}, **_ERRORS},
    )
    def get_record(record_id: RecordId, device: SignedDevice) -> RecordMetadata:
        """A record's metadata (never its blob); a device sees only its own records."""
        stored = get_store().get(record_id)
        if stored is None or stored.device_id != device.device_id:
            raise ApiProblem(404, "not_found", "no record with this id")
        return _metadata(stored)

    @app.get(
        "/v1/devices/{device_id}/records",
        operation_id="device_records",
        response_model=DeviceRecords,
        responses=_ERRORS,
    )
    def device_records(
        device_id: DeviceId,
        device: SignedDevice,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 1000,
    ) -> DeviceRecords:
        """Metadata of what one device uploaded, oldest first, at most `limit` (its own only)."""
        if device_id != device.device_id:
            raise ApiProblem(403, "device_mismatch", "a device may list only its own records")
        records = get_store().device_records(device_id, limit)
        return DeviceRecords(device_id=device_id, records=[_metadata(r) for r in records])

    @app.get("/v1/health", operation_id="health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", time=utc_timestamp(datetime.now(UTC)), version=API_VERSION)

    return app


def _batch_error(record_id: str, status: int, code: str, reason: str) -> BatchItem:
    return BatchItem(record_id=record_id, status=status,
                     error=ErrorBody(error=code, reason=reason))


def _dev_enrol(registry: Registry, device_id: str, key_b64: str | None) -> Device | None:
    """DEVELOPMENT ONLY: enrol an unknown device with the key it presents (trust on first use)."""
    if not key_b64:
        return None
    try:
        key = base64.b64decode(key_b64, validate=True)
        registry.add(device_id, key, utc_timestamp(datetime.now(UTC)), "dev-enrol")
    except (binascii.Error, ValueError):
        return None
    except Exception:  # another request enrolled it first, maybe with another key
        pass
    event(log, LogEvent.API_DEV_ENROLLED, level=logging.WARNING, device_id=device_id)
    return registry.get(device_id)


def _verified(record_id: str, body: RecordUpload, device: Device) -> IncomingRecord:
    """Decode and check what the model's shape rules cannot: base64, size, hash, signature."""
    blob = _b64(body.blob, "blob")
    signature = _b64(body.signature, "signature")
    if len(blob) != body.size:
        raise _rejected(record_id, "size_mismatch", "size does not match the blob's length")
    if hashlib.sha256(blob).hexdigest() != body.sha256:
        raise _rejected(record_id, "sha256_mismatch", "sha256 does not match the blob")
    if len(signature) != SIGNATURE_BYTES:
        raise _rejected(record_id, "invalid_signature", "signature must be 64 bytes (Ed25519)")
    if not signature_is_valid(
        device.key(),
        signature,
        record_id=record_id,
        device_id=body.device_id,
        workflow=body.workflow,
        created_at=body.created_at,
        size=body.size,
        sha256=body.sha256,
    ):
        raise _rejected(record_id, "invalid_signature", "device signature does not verify")
    return IncomingRecord(
        record_id=record_id,
        device_id=body.device_id,
        workflow=body.workflow,
        created_at=body.created_at,
        size=body.size,
        sha256=body.sha256,
        blob=blob,
        signature=signature,
        device_public_key=device.public_key,
    )


def _b64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiProblem(422, "invalid_base64", f"{name} is not valid base64") from None


def _rejected(record_id: str, code: str, reason: str) -> ApiProblem:
    event(log, LogEvent.API_RECORD_REJECTED, level=logging.WARNING, record_id=record_id, error=code)
    return ApiProblem(422, code, reason)


def _metadata(stored: StoredRecord) -> RecordMetadata:
    return RecordMetadata(**stored.__dict__)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or _STATUS_CODES.get(exc.status_code, "http_error")
        body = ErrorBody(error=code, reason=str(exc.detail))
        if code == "clock_skew":  # so the kiosk can say by how much its clock is wrong
            body.server_time = utc_timestamp(datetime.now(UTC))
        return JSONResponse(body.model_dump(exclude_none=True), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Never echo the input back (pydantic's default does): a blob or a key is no business
        # of an error message, and the reason stays short enough to keep in an outbox row.
        fields = [
            FieldError(loc=".".join(str(part) for part in err.get("loc", ())), msg=str(err["msg"]))
            for err in exc.errors()[:20]
        ]
        reason = "; ".join(f"{f.loc}: {f.msg}" for f in fields[:3]) or "invalid request"
        body = ErrorBody(error="invalid_request", reason=reason, fields=fields)
        return JSONResponse(body.model_dump(exclude_none=True), status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        event(log, LogEvent.API_INTERNAL_ERROR, level=logging.ERROR, error_type=type(exc).__name__)
        body = ErrorBody(error="internal", reason="internal server error")
        return JSONResponse(body.model_dump(exclude_none=True), status_code=500)


_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes` before they are read into memory whole."""

    def __init__(self, app: ASGIApp, max_bytes: int, batch_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.batch_max_bytes = batch_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.batch_max_bytes if scope["path"].endswith(":batch") else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0 or length > limit:
                await self._refuse(send, length, limit)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI passes an HTTPException raised while reading the body through.
                    raise ApiProblem(413, "too_large", self._too_large(limit))
            return message

        await self.app(scope, limited, send)

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"request body larger than {limit} bytes"

    async def _refuse(self, send: Send, length: int, limit: int) -> None:
        if length < 0:
            status, body = 400, ErrorBody(error="bad_request", reason="invalid Content-Length")
        else:
            status, body = 413, ErrorBody(error="too_large", reason=self._too_large(limit))
        payload = body.model_dump_json(exclude_none=True).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
