"""POST /v1/enrol: the one route no device signs (the device is not known yet; the token is
the credential). The body is the contract's `EnrolRequest`, read strictly by the contract's own
parser; the answer is its `Enrolment`, signed with the receipt key (`enrolment.enrol`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from central_api_client.contract import utc_now
from central_api_client.enrolment import Enrolment, EnrolmentError, EnrolRequest
from provincial_api.enrolment import EnrolmentBook, EnrolRefused, EnrolSettings, enrol
from provincial_api.errors import ApiProblem, ErrorBody
from provincial_api.receipt_signer import ReceiptSigner

router = APIRouter()

ENROL_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "`token_unknown` (or malformed), `key_not_in_tpm`"
          " (a key file, refused unless the server allows file keys for development), or"
          " `device_retired` (this token's device was retired)"},
    409: {"model": ErrorBody, "description": "`token_used` by another device key, or"
          " `ranges_exhausted` (the county has no block of serials left in a category)"},
    410: {"model": ErrorBody, "description": "`token_expired`"},
    413: {"model": ErrorBody, "description": "Body larger than the limit"},
    422: {"model": ErrorBody, "description": "`invalid_request` (the body is not an"
          " EnrolRequest) or `key_unsupported` (neither Ed25519 nor P-256)"},
    503: {"model": ErrorBody, "description": "`enrolment_not_configured` or `no_storage`"},
}


@router.post(
    "/v1/enrol",
    operation_id="enrol",
    response_model=Enrolment,
    responses=ENROL_ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/EnrolRequest"}}}}},
)
async def enrol_device(request: Request) -> Any:
    """Enrol this machine's device key with a one-time token: the answer gives its device id,
    county, registration point, sequence ranges per subject category (none shared with
    another device of the county), the province's sealing and receipt keys and the
    signed-config trust root (null until configured), signed by the receipt key. The same
    token with the same key answers the same enrolment again."""
    book: EnrolmentBook | None = request.app.state.enrolments
    settings: EnrolSettings = request.app.state.enrol_settings
    signer: ReceiptSigner = request.app.state.receipts
    if book is None:
        raise ApiProblem(503, "no_storage", "server started without a database")
    try:
        body = EnrolRequest.from_wire(json.loads(await request.body()))
    except (ValueError, RecursionError) as exc:  # EnrolmentError, JSON, UTF-8: ValueErrors
        reason = exc.reason if isinstance(exc, EnrolmentError) else "body is not JSON"
        raise ApiProblem(422, "invalid_request", reason) from None
    try:
        answer = await run_in_threadpool(enrol, book, signer, settings, body, utc_now())
    except EnrolRefused as refused:
        raise ApiProblem(refused.status, refused.code, refused.reason) from None
    return JSONResponse(answer)
