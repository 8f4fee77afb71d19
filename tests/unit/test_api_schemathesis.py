"""The reference server against its contract, by schemathesis: whatever the OpenAPI document
allows a client to send, the answer is no 5xx and has a status, content type and body that the
document declares.

Requests are signed on their way into the app by a small ASGI wrapper with an enrolled device's
key, so the generated cases reach the handlers rather than all stopping at the 401 of device
authentication (which is declared too, and covered by tests/unit/test_device_auth.py).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central_api_client.signing import sign_request
from provincial_api.app import create_app
from provincial_api.domain import raw_public_key
from provincial_api.enrolment import EnrolSettings
from provincial_api.ranges import CountyPools
from provincial_api.sqlite_registry import SqliteRegistry

KEY = Ed25519PrivateKey.generate()


class SigningWrapper:
    """Signs each request as device SIM-0001 before the app sees it (test plumbing only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        query = scope.get("query_string", b"").decode("latin-1")
        host = dict(scope["headers"]).get(b"host", b"testserver").decode("latin-1")
        url = f"http://{host}{scope['path']}" + (f"?{query}" if query else "")
        signed = sign_request(KEY, "SIM-0001", scope["method"], url, body)
        headers = [(k, v) for k, v in scope["headers"] if k.decode().lower() not in signed]
        headers += [(k.encode(), v.encode()) for k, v in signed.items()]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)


def _app(tmp: Path) -> ASGIApp:
    db = tmp / "server.sqlite"
    SqliteRegistry(db).add("SIM-0001", raw_public_key(KEY.public_key()), "t", "operator")
    # Configured for enrolment, so POST /v1/enrol is judged (a server without a sealing key
    # to hand out answers 503 enrolment_not_configured, by design), and with a staff CA, so
    # POST /v1/day-reports is (without one it answers 503 staff_ca_not_configured).
    settings = EnrolSettings(CountyPools(), X25519PrivateKey.generate().public_key())
    return SigningWrapper(create_app(db, enrol_settings=settings,
                                     candidate_key=X25519PrivateKey.generate(),
                                     staff_ca=_staff_ca()))


def _staff_ca() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test staff CA")])
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=9))
            .sign(key, hashes.SHA256()))


# Loaded at import: schemathesis' own pytest integration does not run under pytest 9, so the
# operations are parametrized here and each is driven by its Hypothesis strategy.
SCHEMA = schemathesis.openapi.from_asgi(
    "/openapi.json", _app(Path(tempfile.mkdtemp(prefix="schemathesis-")))
)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_contract(operation) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def run(case) -> None:
        case.call_and_validate(checks=CHECKS)

    run()
