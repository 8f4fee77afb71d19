"""Who is asking: every call but /v1/health is signed by an enrolled device (RFC 9421).

The signature covers the method, path, query and body digest (`central_api_client.signing`);
the device must be enrolled and active, its clock close to ours, and the nonce new. Each
refusal is a 401 with its own code, because each needs a different person to act: an unknown
device (enrol it), a bad signature (re-enrol), a replay (nobody, usually), a clock skew (set
the clock).
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from typing import Annotated

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

    `dev_enrol`: DEVELOPMENT ONLY. An unknown device is enrolled on its first signed request
    with the public key it sends in a header (trust on first use), so demos and tests run a
    fresh simulated kiosk without an operator. A real server enrols devices explicitly.
    """

    def __init__(self, registry: Registry | None, *, dev_enrol: bool, max_skew_s: float) -> None:
        self.registry = registry
        self.dev_enrol = dev_enrol
        self.max_skew_s = max_skew_s
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
            check_clock(params.created, time.time(), self.max_skew_s)
            device = registry.get(params.keyid)
            if device is None and self.dev_enrol:
                device = _dev_enrol(registry, params.keyid, headers.get(DEV_PUBLIC_KEY_HEADER))
            if device is None or not device.active:
                raise SignatureProblem("unknown_device", "this device is not enrolled")
            query = f"?{request.url.query}" if request.url.query else "?"
            verify_request(params, device.key(), request.method, request.url.path, query, body,
                           headers.get("content-digest"))
            forget = int(time.time() - 2 * self.max_skew_s)
            if not registry.remember_nonce(device.device_id, params.nonce, params.created,
                                           forget):
                raise SignatureProblem("replay", "this request was already received (replay)")
        except SignatureProblem as problem:
            event(log, LogEvent.API_AUTH_REFUSED, level=logging.WARNING, error=problem.code,
                  path=request.url.path)
            raise ApiProblem(401, problem.code, problem.reason) from None
        return device


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


async def signed_device(request: Request) -> Device:
    """Dependency: the device that signed this request (see `Authenticator`)."""
    body = await request.body()  # Starlette keeps it for the body model that follows
    authenticator: Authenticator = request.app.state.authenticator
    return await run_in_threadpool(authenticator.authenticate, request, body)


SignedDevice = Annotated[Device, Depends(signed_device)]
