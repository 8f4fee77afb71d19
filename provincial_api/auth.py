"""Who is asking: every call but /v1/health is signed by an enrolled device (RFC 9421).

The signature covers the method, the server's name, path, query and body digest
(`central_api_client.signing`); the device must be enrolled and active, its clock close to ours,
and the nonce new. Each
refusal is a 401 with its own code, because each needs a different person to act: an unknown
device (enrol it), a bad signature (re-enrol), a replay (nobody, usually), a clock skew (set
the clock).
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from central_api_client.contract import utc_now
from central_api_client.logs import LogEvent, event
from central_api_client.signing import (
    DEV_PUBLIC_KEY_HEADER,
    SignatureProblem,
    check_clock,
    parse_signature_headers,
    verify_request,
)
from provincial_api.domain import Device, Registry
from provincial_api.errors import ApiProblem

log = logging.getLogger("provincial_api")


class Authenticator:
    """Checks a request's device signature against the registry.

    The checks run in the order that names the right problem: the device (unknown, or
    retired: `device_retired`), then its signature over the request and body, then its clock,
    then the nonce. Nothing of the body is parsed before all of them pass.

    `authorities`: the host[:port] names this server answers to. The signature covers
    `@authority`, and it is checked against the name the request arrived for only when that
    name is ours, so a request captured on its way to one server is refused by another. None
    (tests' in-process clients) takes the request's Host as it comes.

    `dev_enrol`: DEVELOPMENT ONLY. An unknown device is enrolled on its first signed request
    with the public key it sends in a header (trust on first use), so demos and tests run a
    fresh simulated kiosk without an operator. A real server enrols devices explicitly.
    """

    def __init__(self, registry: Registry | None, *, dev_enrol: bool, max_skew_s: float,
                 authorities: frozenset[str] | None = None) -> None:
        self.registry = registry
        self.dev_enrol = dev_enrol
        self.max_skew_s = max_skew_s
        self.authorities = authorities
        if dev_enrol:
            event(log, LogEvent.API_DEV_ENROL_ON, "DEVELOPMENT enrolment: unknown devices are"
                  " trusted on first use", level=logging.WARNING)

    def authenticate(self, request: Request, body: bytes) -> Device:
        """The enrolled device whose key signed this request; ApiProblem 401 saying why not."""
        registry = self.registry
        if registry is None:
            raise ApiProblem(503, "no_storage", "server started without a database")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            params = parse_signature_headers(headers)
            device = registry.get(params.keyid)
            if device is None and self.dev_enrol:
                device = _dev_enrol(registry, params.keyid, headers.get(DEV_PUBLIC_KEY_HEADER))
            if device is None:
                raise SignatureProblem("unknown_device", "this device is not enrolled")
            if not device.active:
                raise SignatureProblem("device_retired", "this device was retired by the"
                                       " province; its requests are refused")
            try:
                key = device.key()
            except ValueError:  # a TPM's P-256 key, enrolled before this server verifies one
                raise SignatureProblem("bad_signature", "this server cannot yet verify the"
                                       " device's key type") from None
            verify_request(key, request.method, self._signed_url(request), headers,
                           body, params.covered)
            check_clock(params.created, time.time(), self.max_skew_s)
            forget = int(time.time() - 2 * self.max_skew_s)
            if not registry.remember_nonce(device.device_id, params.nonce, params.created,
                                           forget):
                raise SignatureProblem("replay", "this request was already received (replay)")
        except SignatureProblem as problem:
            event(log, LogEvent.API_AUTH_REFUSED, level=logging.WARNING, error=problem.code,
                  path=request.url.path)
            raise ApiProblem(401, problem.code, problem.reason) from None
        if params.audit_head is not None:
            count, head = params.audit_head
            regressed = registry.note_audit_head(device.device_id, count, head, params.created,
                                                 utc_now())
            if regressed is not None:  # seen and kept; the upload itself goes on
                event(log, LogEvent.API_AUDIT_CHAIN_REGRESSED, level=logging.WARNING,
                      device_id=device.device_id, problem=regressed, entries=count)
        return device

    def _signed_url(self, request: Request) -> str:
        """The URL the signature must cover: the request's, with its Host only if it is ours."""
        url = request.url
        authority = normal_authority(url.netloc, url.scheme)
        if self.authorities is not None and authority not in self.authorities:
            raise SignatureProblem("bad_signature", "request is addressed to another server"
                                   f" ({authority!r} is not one of this server's names)")
        return str(url)


def normal_authority(netloc: str, scheme: str = "http") -> str:
    """host[:port] as RFC 9421 `@authority` has it: lower case, no default port."""
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == {"http": 80, "https": 443}.get(scheme.lower()):
        return host
    return f"{host}:{port}"


def _dev_enrol(registry: Registry, device_id: str, key_b64: str | None) -> Device | None:
    """DEVELOPMENT ONLY: enrol an unknown device with the key it presents (trust on first use)."""
    if not key_b64:
        return None
    try:
        key = base64.b64decode(key_b64, validate=True)
        registry.add(device_id, key, utc_now(), "dev-enrol")
    except (binascii.Error, ValueError):
        return None
    except Exception:  # another request enrolled it first, maybe with another key
        pass
    event(log, LogEvent.API_DEV_ENROLLED, level=logging.WARNING, device_id=device_id)
    return registry.get(device_id)


@dataclass(frozen=True)
class Signed:
    """A request whose signature held: the device that made it and the body it signed, as
    bytes. Routes parse the body only now, after authentication."""

    device: Device
    body: bytes


async def signed_request(request: Request) -> Signed:
    """Dependency: the device that signed this request and its body (see `Authenticator`)."""
    body = await request.body()  # bounded by BodyLimitMiddleware, per route
    authenticator: Authenticator = request.app.state.authenticator
    device = await run_in_threadpool(authenticator.authenticate, request, body)
    return Signed(device, body)


SignedRequest = Annotated[Signed, Depends(signed_request)]
