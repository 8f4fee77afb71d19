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
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central_api_client.contract import (
    DEVICE_ID_PATTERN,
    MAX_BODY_BYTES,
    PUBLIC_KEY_BYTES,
    RECORD_ID_PATTERN,
    SIGNATURE_BYTES,
    signature_is_valid,
    utc_timestamp,
)
from kiosk.logs import event
from provincial_api.models import (
    Ack,
    DeviceRecords,
    ErrorBody,
    FieldError,
    Health,
    RecordMetadata,
    RecordUpload,
)
from provincial_api.storage import ConflictError, IncomingRecord, RecordStore, StoredRecord

API_VERSION = "1.0.0"
MAX_LIST = 10_000

log = logging.getLogger("provincial_api")

RecordId = Annotated[str, PathParam(pattern=RECORD_ID_PATTERN, description="UUID, lower case")]
DeviceId = Annotated[str, PathParam(pattern=DEVICE_ID_PATTERN)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "Body larger than the limit"},
    422: {"model": ErrorBody, "description": "Invalid request: what is wrong is in `reason`"},
}


class ApiProblem(HTTPException):
    """A refusal with a stable machine-readable code besides the human reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(status_code=status, detail=reason)
        self.code = code


def create_app(db_path: Path | None) -> FastAPI:
    """The app over the database at `db_path` (None: no storage, for the OpenAPI document)."""
    app = FastAPI(
        title="Hunan exam registration: provincial records API",
        version=API_VERSION,
        description=(
            "Kiosks upload sealed registration records (HPKE to the province's key, signed by"
            " the device's Ed25519 key). PUT is idempotent by record id."
        ),
    )
    store = RecordStore(db_path) if db_path is not None else None

    def get_store() -> RecordStore:
        if store is None:
            raise ApiProblem(503, "no_storage", "server started without a database")
        return store

    _install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)

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
    def put_record(record_id: RecordId, body: RecordUpload) -> Any:
        """Store a sealed record after checking its size, hash and device signature."""
        incoming = _verified(record_id, body)
        try:
            stored, created = get_store().put(incoming, utc_timestamp(datetime.now(UTC)))
        except ConflictError:
            event(log, "api.record_conflict", level=logging.WARNING, record_id=record_id)
            reason = "record id already holds a different sha256"
            raise ApiProblem(409, "conflict", reason) from None
        ack = Ack(record_id=stored.record_id, received_at=stored.received_at, sha256=stored.sha256)
        if not created:
            event(log, "api.record_repeated", record_id=record_id)
            return JSONResponse(ack.model_dump(), status_code=200)
        event(
            log,
            "api.record_stored",
            record_id=record_id,
            device_id=stored.device_id,
            size=stored.size,
        )
        return ack

    @app.get(
        "/v1/records/{record_id}",
        operation_id="get_record",
        response_model=RecordMetadata,
        responses={404: {"model": ErrorBody, "description": "No such record"}, **_ERRORS},
    )
    def get_record(record_id: RecordId) -> RecordMetadata:
        """A record's metadata (never its blob)."""
        stored = get_store().get(record_id)
        if stored is None:
            raise ApiProblem(404, "not_found", "no record with this id")
        return _metadata(stored)

    @app.get(
        "/v1/devices/{device_id}/records",
        operation_id="device_records",
        response_model=DeviceRecords,
        responses=_ERRORS,
    )
    def device_records(
        device_id: DeviceId, limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 1000
    ) -> DeviceRecords:
        """Metadata of what one device uploaded, oldest first, at most `limit`."""
        records = get_store().device_records(device_id, limit)
        return DeviceRecords(device_id=device_id, records=[_metadata(r) for r in records])

    @app.get("/v1/health", operation_id="health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", time=utc_timestamp(datetime.now(UTC)), version=API_VERSION)

    return app


def _verified(record_id: str, body: RecordUpload) -> IncomingRecord:
    """Decode and check what the model's shape rules cannot: base64, size, hash, signature."""
    blob = _b64(body.blob, "blob")
    signature = _b64(body.signature, "signature")
    public_key = _b64(body.device_public_key, "device_public_key")
    if len(blob) != body.size:
        raise _rejected(record_id, "size_mismatch", "size does not match the blob's length")
    if hashlib.sha256(blob).hexdigest() != body.sha256:
        raise _rejected(record_id, "sha256_mismatch", "sha256 does not match the blob")
    if len(signature) != SIGNATURE_BYTES:
        raise _rejected(record_id, "invalid_signature", "signature must be 64 bytes (Ed25519)")
    if len(public_key) != PUBLIC_KEY_BYTES:
        raise _rejected(record_id, "invalid_key", "device_public_key must be 32 bytes (Ed25519)")
    try:
        key = Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        reason = "device_public_key is not an Ed25519 key"
        raise _rejected(record_id, "invalid_key", reason) from None
    if not signature_is_valid(
        key,
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
        device_public_key=public_key,
    )


def _b64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiProblem(422, "invalid_base64", f"{name} is not valid base64") from None


def _rejected(record_id: str, code: str, reason: str) -> ApiProblem:
    event(log, "api.record_rejected", level=logging.WARNING, record_id=record_id, error=code)
    return ApiProblem(422, code, reason)


def _metadata(stored: StoredRecord) -> RecordMetadata:
    return RecordMetadata(**stored.__dict__)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or _STATUS_CODES.get(exc.status_code, "http_error")
        body = ErrorBody(error=code, reason=str(exc.detail))
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
        event(log, "api.internal_error", level=logging.ERROR, error_type=type(exc).__name__)
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

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0 or length > self.max_bytes:
                await self._refuse(send, length)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI passes an HTTPException raised while reading the body through.
                    raise ApiProblem(413, "too_large", self._too_large())
            return message

        await self.app(scope, limited, send)

    def _too_large(self) -> str:
        return f"request body larger than {self.max_bytes} bytes"

    async def _refuse(self, send: Send, length: int) -> None:
        if length < 0:
            status, body = 400, ErrorBody(error="bad_request", reason="invalid Content-Length")
        else:
            status, body = 413, ErrorBody(error="too_large", reason=self._too_large())
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
