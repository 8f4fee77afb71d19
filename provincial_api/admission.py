"""Admission of record uploads (`pacer.Pacer` applied to requests): a server that is behind
answers "busy, come back at T" rather than hold the request while it works through the ones
before.

Why: when a fleet comes back online together, every kiosk keeps an upload in flight, and a
server that queues them all keeps each waiting kiosks x records per request / throughput
(3.2 s for 200 kiosks of 16 records at 1,000 records/s; 32 s for 2,000 kiosks), past clients'
timeouts, after which they send again what the server is still working on. Here each server
process takes on at most `max_wait_s` of work and gives every other upload an appointment,
spaced from the last by the work it brings: the 503 `busy` answer carries it as Retry-After
(whole seconds, RFC 9110) and as `retry_after_s` (to the millisecond), and kiosks come back
spread out at the rate the server works.

The busy answer is given before the upload is authenticated or parsed (when its headers
arrive if too many bodies are already arriving, else once its body has): it says nothing of
the request and changes nothing, so a stranger learns only that the server is busy. The kiosk
has sent its body either way (HTTP/1.1 clients do not wait for 100-continue). A body that stops
arriving is dropped with 408 after BODY_IDLE_S without a byte (or BODY_DEADLINE_S in all).
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central_api_client.logs import LogEvent, event
from provincial_api.errors import ApiProblem, ErrorBody
from provincial_api.middleware import declared_length, send_error
from provincial_api.pacer import Pacer, whole_seconds

BODY_IDLE_S = 15.0
BODY_DEADLINE_S = 120.0
# Busy answers are logged as a count at most this often (one line per answer would flood).
LOG_EVERY_S = 10.0

log = logging.getLogger("provincial_api")


class AdmissionMiddleware:
    """In front of the record uploads (`PUT /v1/records/{id}` and the batch)."""

    def __init__(self, app: ASGIApp, pacer: Pacer, body_idle_s: float = BODY_IDLE_S) -> None:
        self.app = app
        self.pacer = pacer
        self.body_idle_s = body_idle_s
        self._logged_at = time.monotonic()
        self._logged_count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _record_upload(scope):
            await self.app(scope, receive, send)
            return
        size = max(declared_length(scope) or 0, 0)  # BodyLimitMiddleware judged it already
        wait = self.pacer.arriving(size, time.monotonic())
        if wait is not None:
            await self._busy(send, wait)
            return
        try:
            body = await self._read_body(receive)
        except TimeoutError:
            self.pacer.abandoned(size)
            await send_error(send, 408, ErrorBody(
                error="body_timeout", reason="the request body stopped arriving"), close=True)
            return
        except ApiProblem as problem:  # over the body limit while it streamed in
            self.pacer.abandoned(size)
            await send_error(send, problem.status_code,
                             ErrorBody(error=problem.code, reason=str(problem.detail)),
                             close=True)
            return
        except BaseException:
            self.pacer.abandoned(size)
            raise
        if body is None:  # the client went away
            self.pacer.abandoned(size)
            return
        wait = self.pacer.arrived(size, time.monotonic())
        if wait is not None:
            await self._busy(send, wait)
            return
        try:
            await self.app(scope, _replay(body, receive), send)
        finally:
            self.pacer.done(size, time.monotonic())

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None when the client disconnected; TimeoutError when it stops
        arriving (one timer for the body, moved on at each chunk: cheaper than one each)."""
        chunks: list[bytes] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BODY_DEADLINE_S
        async with asyncio.timeout(None) as timer:
            while True:
                timer.reschedule(min(loop.time() + self.body_idle_s, deadline))
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _busy(self, send: Send, wait_s: float) -> None:
        """503 busy with the appointment; the connection stays open (the server drops the rest
        of the body, should the client still be sending it)."""
        wait_s = max(wait_s, 0.001)
        body = ErrorBody(error="busy", reason=f"the server is busy: send again in {wait_s:.2f} s",
                         retry_after_s=round(wait_s, 3))
        await send_error(send, 503, body,
                         headers=((b"retry-after", str(whole_seconds(wait_s)).encode()),))
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY_S:
            event(log, LogEvent.API_UPLOADS_PACED, turned_away=self.pacer.turned_away
                  - self._logged_count, rate_bps=round(self.pacer.rate_bps),
                  working=self.pacer.working, receiving=self.pacer.receiving)
            self._logged_at, self._logged_count = now, self.pacer.turned_away


def _record_upload(scope: Scope) -> bool:
    if scope["type"] != "http":
        return False
    path: str = scope["path"]
    return (scope["method"] == "POST" and path == "/v1/records:batch") or (
        scope["method"] == "PUT" and path.startswith("/v1/records/"))


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, as the app's one request message; then the connection's own."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
