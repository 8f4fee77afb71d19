"""The reference provincial API: receives sealed records from kiosks and acknowledges them.

It checks everything it can without the province's private key (shape, size, hash, the
device's signature), stores each record once under its id, and answers every bad request with a
4xx that says what is wrong, in one error shape: `{"error": code, "reason": text}`. This module
only assembles the app; see `routes`, `auth`, `ingest`, `errors` and `middleware`.
"""

from __future__ import annotations

from fastapi import FastAPI

from central_api_client.contract import MAX_BATCH_BODY_BYTES, MAX_BODY_BYTES
from central_api_client.signing import MAX_CLOCK_SKEW_S
from provincial_api.auth import Authenticator
from provincial_api.backend import Db, open_backend
from provincial_api.errors import install_error_handlers
from provincial_api.middleware import BodyLimitMiddleware
from provincial_api.routes import API_VERSION, router

DESCRIPTION = (
    "Kiosks upload sealed registration records (HPKE to the province's key, signed by"
    " the device's Ed25519 key). PUT is idempotent by record id.\n\n"
    "Every call but /v1/health is signed by an enrolled device's Ed25519 key with HTTP"
    " Message Signatures (RFC 9421): `Signature-Input: kiosk=(\"@method\" \"@path\""
    " \"@query\" \"content-digest\");created=UNIX;nonce=\"...\";keyid=\"DEVICE_ID\";"
    "alg=\"ed25519\"`, `Signature: kiosk=:BASE64:` and `Content-Digest: sha-256=:BASE64:`"
    " (RFC 9530). Refusals are 401 with `error` unknown_device, bad_signature, replay,"
    " clock_skew (with `server_time`) or signature_missing."
)


def create_app(
    db: Db | None, *, dev_enrol: bool = False, max_skew_s: float = MAX_CLOCK_SKEW_S
) -> FastAPI:
    """The app over `db`: a SQLite path or a `postgresql://` URL (`backend` tells them apart);
    None: no storage, for the OpenAPI document.

    `dev_enrol`: DEVELOPMENT ONLY, see `auth.Authenticator`.
    """
    app = FastAPI(title="Hunan exam registration: provincial records API", version=API_VERSION,
                  description=DESCRIPTION)
    store, registry = open_backend(db) if db is not None else (None, None)
    app.state.store = store
    app.state.authenticator = Authenticator(registry, dev_enrol=dev_enrol, max_skew_s=max_skew_s)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES,
                       batch_max_bytes=MAX_BATCH_BODY_BYTES)
    app.include_router(router)
    return app
