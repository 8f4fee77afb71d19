"""Candidates' online data for kiosks: one candidate by ID number, and the point's roster.

Both are signed by an enrolled device (`auth`) and answered sealed to a reply key the request
carries (`central_api_client.candidates`), so nothing personal crosses the wire in clear. A
device sees only its own county's candidates by lookup, and its own point's by roster; a number
held elsewhere gets the very answer a number held nowhere gets.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import APIRouter, Depends, Query, Request

from central_api_client.candidate_sealing import (
    REPLY_KEY_PATTERN,
    CandidateSealError,
    open_lookup,
    parse_reply_key,
    seal_answer,
    seal_roster,
)
from central_api_client.candidates import EXAMS, CandidateFormatError, Roster
from central_api_client.contract import utc_now
from central_api_client.logs import LogEvent, event
from provincial_api.auth import SignedRequest
from provincial_api.candidate_store import SqlCandidates
from provincial_api.errors import SIGNED_ROUTE_ERRORS, ApiProblem, ErrorBody
from provincial_api.models import SealedAnswer

log = logging.getLogger("provincial_api")
router = APIRouter()


def _candidates(request: Request) -> SqlCandidates:
    store: SqlCandidates | None = request.app.state.candidates
    if store is None:
        raise ApiProblem(503, "no_storage", "server started without a database")
    return store


def _key(request: Request) -> X25519PrivateKey:
    key: X25519PrivateKey | None = request.app.state.candidate_key
    if key is None:
        raise ApiProblem(503, "candidates_not_configured", "this server holds no key to open"
                         " candidate lookups (serve --candidate-key)")
    return key


Candidates = Annotated[SqlCandidates, Depends(_candidates)]
CandidateKey = Annotated[X25519PrivateKey, Depends(_key)]


@router.post(
    "/v1/candidates:lookup",
    operation_id="lookup_candidate",
    response_model=SealedAnswer,
    responses={503: {"model": ErrorBody, "description": "No key to open lookups"},
               **SIGNED_ROUTE_ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/SealedLookup"}}}}},
)
def lookup_candidate(signed: SignedRequest, store: Candidates, key: CandidateKey) -> Any:
    """One candidate of the signing device's county by exam and ID number, sealed to the
    request's reply key; `{"candidate": null}` inside the seal when there is none here."""
    from provincial_api.bodies import json_object

    device_id = signed.device.device_id
    try:
        query = open_lookup(json_object(signed.body), key, device_id)
    except (CandidateFormatError, CandidateSealError) as exc:
        raise ApiProblem(422, "invalid_request", f"lookup: {exc}") from None
    county = store.standing(device_id).county_code
    found = None if county is None else store.find(query.exam, query.id_number, county)
    event(log, LogEvent.API_CANDIDATE_LOOKUP, device_id=device_id, exam=query.exam,
          found=found is not None)
    return seal_answer(found, query.reply_key, device_id)


@router.get(
    "/v1/candidates/roster",
    operation_id="candidate_roster",
    response_model=SealedAnswer,
    responses={503: {"model": ErrorBody, "description": "No key to open lookups"},
               **SIGNED_ROUTE_ERRORS},
)
def candidate_roster(
    signed: SignedRequest, store: Candidates, key: CandidateKey,
    exam: Annotated[str, Query(pattern="^(" + "|".join(EXAMS) + ")$")],
    reply_key: Annotated[str, Query(pattern=REPLY_KEY_PATTERN)],
) -> Any:
    """The candidates of the signing device's point for one exam, sealed to `reply_key`
    (empty when the device was enrolled at no point)."""
    device_id = signed.device.device_id
    try:
        reply = parse_reply_key(reply_key)
    except CandidateFormatError as exc:
        raise ApiProblem(422, "invalid_request", str(exc)) from None
    standing = store.standing(device_id)
    county, point = standing.county_code or "0000", standing.point or ""
    candidates = store.of_point(exam, county, point) if standing.point else []
    roster = Roster(exam=exam, county_code=county, point=point, generated_at=utc_now(),
                    candidates=tuple(candidates))
    event(log, LogEvent.API_CANDIDATE_ROSTER, device_id=device_id, exam=exam,
          count=len(candidates))
    return seal_roster(roster, reply, device_id)
