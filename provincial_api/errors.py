"""Every refusal in one shape: `{"error": code, "reason": text}`, with a stable code.

`ApiProblem` is what the server's code raises; the handlers installed here turn it, a body
that fails validation, and anything unexpected into an `ErrorBody`, never echoing what the
client sent (a blob or a key is no business of an error message).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from central_api_client.contract import utc_now
from central_api_client.logs import LogEvent, event

log = logging.getLogger("provincial_api")


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
    retry_after_s: float | None = Field(
        default=None, description="With busy (503): when to send again, in seconds, to the"
        " millisecond (Retry-After says the same in whole seconds)"
    )


class ApiProblem(HTTPException):
    """A refusal with a stable machine-readable code besides the human reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(status_code=status, detail=reason)
        self.code = code


# The refusals every signed route may answer with, for the OpenAPI document.
SIGNED_ROUTE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "Device authentication failed: `error` is signature_missing,"
        " unknown_device, device_retired, bad_signature, replay or clock_skew (with"
        " `server_time`)",
    },
    403: {"model": ErrorBody, "description": "Signed by another device than the one named"},
    413: {"model": ErrorBody, "description": "Body larger than the limit"},
    422: {"model": ErrorBody, "description": "Invalid request: what is wrong is in `reason`"},
}
# The record uploads may also be told to come back later (`admission`).
UPLOAD_ROUTE_ERRORS: dict[int | str, dict[str, Any]] = {
    **SIGNED_ROUTE_ERRORS,
    503: {"model": ErrorBody, "description": "`busy`: the server is behind; send again after"
          " `retry_after_s` (and Retry-After), nothing was read or stored"},
}

_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or _STATUS_CODES.get(exc.status_code, "http_error")
        body = ErrorBody(error=code, reason=str(exc.detail))
        if code == "clock_skew":  # so the kiosk can say by how much its clock is wrong
            body.server_time = utc_now()
        return JSONResponse(body.model_dump(exclude_none=True), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Never echo the input back (pydantic's default does), and keep the reason short
        # enough to keep in an outbox row.
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
