"""The reference provincial API: receives sealed records from kiosks and acknowledges them.

It checks everything it can without the province's private key (shape, size, hash, the
device's signature), stores each record once under its device and id, answers with a signed
receipt, and answers every bad request with a 4xx that says what is wrong, in one error shape:
`{"error": code, "reason": text}`. This module only assembles the app; see `routes`, `auth`,
`bodies`, `ingest`, `errors`, `middleware` and `receipt_signer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter

from central_api_client.candidates import MAX_LOOKUP_BODY_BYTES
from central_api_client.contract import (
    MAX_BATCH_BODY_BYTES,
    MAX_BODY_BYTES,
    MAX_EMPTY_BODY_BYTES,
    MAX_STATUS_BODY_BYTES,
)
from central_api_client.day_report import MAX_DAY_REPORT_BODY_BYTES
from central_api_client.enrolment import EnrolRequest
from central_api_client.heartbeat import MAX_HEARTBEAT_BODY_BYTES
from central_api_client.signing import MAX_CLOCK_SKEW_S
from central_api_client.voids import MAX_VOIDS_BODY_BYTES
from provincial_api.admission import AdmissionMiddleware
from provincial_api.auth import Authenticator
from provincial_api.backend import Db, open_backend, open_candidates, open_enrolments
from provincial_api.candidate_routes import router as candidate_router
from provincial_api.enrol_routes import router as enrol_router
from provincial_api.enrolment import EnrolSettings
from provincial_api.errors import install_error_handlers
from provincial_api.middleware import BodyLimitMiddleware
from provincial_api.models import (
    BatchUpload,
    DayReportBody,
    HeartbeatReport,
    RecordUpload,
    SealedLookup,
    StatusQuery,
    VoidReport,
)
from provincial_api.pacer import DEFAULT_MAX_WAIT_S, Pacer
from provincial_api.ranges import CountyPools
from provincial_api.receipt_signer import DEFAULT_SERVER_ID, ReceiptSigner
from provincial_api.routes import API_VERSION, router

DESCRIPTION = (
    "Kiosks upload sealed registration records (HPKE to the province's key, signed by"
    " the device's key). PUT is idempotent by record id; each device's records are its"
    " own (another device's record id never meets them). Every acknowledgement is the"
    " province's receipt, signed with its receipt key: a kiosk counts a record delivered only"
    " on a receipt that verifies.\n\n"
    "Every call but /v1/health is signed by an enrolled device's key (its TPM's ECDSA P-256"
    " key, alg=\"ecdsa-p256-sha256\" with raw r||s signatures; a development kiosk's Ed25519"
    " key, alg=\"ed25519\"; the registered key decides which) with HTTP"
    " Message Signatures (RFC 9421): `Signature-Input: kiosk=(\"@method\" \"@authority\""
    " \"@path\" \"@query\" \"content-digest\");created=UNIX;keyid=\"DEVICE_ID\";"
    "alg=\"ALG\";nonce=\"...\"`, `Signature: kiosk=:BASE64:` and `Content-Digest:"
    " sha-256=:BASE64:` (RFC 9530). Bodies are read only after the signature holds. Refusals"
    " are 401 with `error` unknown_device, device_retired, bad_signature, clock_skew (with"
    " `server_time`),"
    " replay or signature_missing, checked in that order.\n\n"
    "POST /v1/enrol is the one call no device signs: a technician's one-time token enrols"
    " the machine's key, and the answer is signed with the receipt key, whose fingerprint the"
    " token carries, so a kiosk enrols only with the province."
)

MAX_ENROL_BODY_BYTES = 32 * 1024  # a token, a PEM and a TPM's evidence
# Body limits per route (path suffix -> bytes); anything else may carry only a tiny body.
BODY_LIMITS = {
    ":batch": MAX_BATCH_BODY_BYTES,
    ":status": MAX_STATUS_BODY_BYTES,
    ":void": MAX_VOIDS_BODY_BYTES,
    ":lookup": MAX_LOOKUP_BODY_BYTES,
    "/v1/heartbeat": MAX_HEARTBEAT_BODY_BYTES,
    "/v1/day-reports": MAX_DAY_REPORT_BODY_BYTES,
    "/v1/records/": MAX_BODY_BYTES,
    "/v1/enrol": MAX_ENROL_BODY_BYTES,
}


def create_app(
    db: Db | None,
    *,
    dev_enrol: bool = False,
    max_skew_s: float = MAX_CLOCK_SKEW_S,
    receipt_key: Ed25519PrivateKey | None = None,
    server_id: str = DEFAULT_SERVER_ID,
    authorities: frozenset[str] | None = None,
    enrol_settings: EnrolSettings | None = None,
    tuf_repo: Path | None = None,
    candidate_key: X25519PrivateKey | None = None,
    staff_ca: x509.Certificate | None = None,
    busy_after_s: float = DEFAULT_MAX_WAIT_S,
) -> FastAPI:
    """The app over `db`: a SQLite path or a `postgresql://` URL (`backend` tells them apart);
    None: no storage, for the OpenAPI document.

    `receipt_key`: the province's receipt key; None makes a throwaway one (in-process tests
    and the OpenAPI document: `app.state.receipts.public_key` is its public half).
    `authorities`: the names this server answers to (see `auth.Authenticator`).
    `dev_enrol`: DEVELOPMENT ONLY, see `auth.Authenticator`.
    `enrol_settings`: how POST /v1/enrol answers; None: the default pools, TPM keys only and
    no sealing key to hand out, so it answers `enrolment_not_configured`.
    `candidate_key`: the province's X25519 private key that opens candidate lookups (the pair
    of the sealing key kiosks hold); None: the candidate routes answer
    `candidates_not_configured`.
    `busy_after_s`: the seconds of record uploads in progress beyond which others are told
    to come back later (`admission`); 0: never.
    """
    app = FastAPI(title="Hunan exam registration: provincial records API", version=API_VERSION,
                  description=DESCRIPTION)
    store, registry = open_backend(db) if db is not None else (None, None)
    app.state.store = store
    app.state.enrolments = open_enrolments(db) if db is not None else None
    app.state.candidates = open_candidates(db) if db is not None else None
    app.state.candidate_key = candidate_key
    app.state.staff_ca = staff_ca  # day reports' cards are checked against it
    app.state.enrol_settings = enrol_settings or EnrolSettings(CountyPools(), None)
    app.state.authenticator = Authenticator(registry, dev_enrol=dev_enrol, max_skew_s=max_skew_s,
                                            authorities=authorities)
    app.state.receipts = ReceiptSigner(receipt_key or Ed25519PrivateKey.generate(), server_id)
    install_error_handlers(app)
    if busy_after_s > 0:
        app.state.pacer = Pacer(busy_after_s)
        app.add_middleware(AdmissionMiddleware, pacer=app.state.pacer)
    # Added last, so it runs first: a body over the limit is refused as such, never as busy.
    app.add_middleware(BodyLimitMiddleware, limits=BODY_LIMITS,
                       default_max_bytes=MAX_EMPTY_BODY_BYTES)
    app.include_router(router)
    app.include_router(enrol_router)
    app.include_router(candidate_router)
    if tuf_repo is not None:
        # The signed configuration, for kiosks' updaters: public and signed by the admins,
        # so served without a device signature; only these two folders (the repository's
        # online key lies beside them).
        for part in ("metadata", "targets"):
            app.mount(f"/tuf/{part}", StaticFiles(directory=tuf_repo / part, check_dir=False),
                      name=f"tuf-{part}")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the request bodies the routes read themselves (after the
    signature), so the contract still states them."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (RecordUpload, BatchUpload, StatusQuery, VoidReport, HeartbeatReport,
                      SealedLookup, DayReportBody):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        # The contract's own dataclass, not a model restating it (its answer, Enrolment, is
        # the route's response_model and so already in the document).
        schema = TypeAdapter(EnrolRequest).json_schema(
            ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas["EnrolRequest"] = {**schema, "additionalProperties": False}
        app.openapi_schema = document
    return app.openapi_schema
