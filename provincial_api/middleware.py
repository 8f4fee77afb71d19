"""The body limit: a request larger than the API accepts is refused before it is read whole."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provincial_api.errors import ApiProblem, ErrorBody


class BodyLimitMiddleware:
    """Refuse bodies over their route's limit before they are read into memory whole: by
    Content-Length when declared, else while they stream in. `limits` maps a path ending
    (`:batch`) or start (`/v1/records/`) to bytes, the first that matches; other routes may
    carry `default_max_bytes`."""

    def __init__(self, app: ASGIApp, limits: dict[str, int], default_max_bytes: int) -> None:
        self.app = app
        self.limits = limits
        self.default_max_bytes = default_max_bytes

    def limit(self, path: str) -> int:
        for pattern, max_bytes in self.limits.items():
            if path.endswith(pattern) or (pattern.startswith("/") and path.startswith(pattern)):
                return max_bytes
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        length = declared_length(scope)
        if length is not None and (length < 0 or length > limit):
            if length < 0:
                body = ErrorBody(error="bad_request", reason="invalid Content-Length")
                await send_error(send, 400, body, close=True)
            else:
                body = ErrorBody(error="too_large", reason=self._too_large(limit))
                await send_error(send, 413, body, close=True)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI passes an HTTPException raised while reading the body through.
                    raise ApiProblem(413, "too_large", self._too_large(limit))
            return message

        await self.app(scope, limited, send)

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"request body larger than {limit} bytes"


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length: None when not declared, -1 when not a number."""
    declared = dict(scope["headers"]).get(b"content-length")
    if declared is None:
        return None
    try:
        return int(declared)
    except ValueError:
        return -1


async def send_error(send: Send, status: int, body: ErrorBody, *,
                     headers: tuple[tuple[bytes, bytes], ...] = (), close: bool = False) -> None:
    """An `ErrorBody` answer from a middleware, before (or instead of) the app. `close`: the
    connection ends after it (what is left of the request's body is not read)."""
    payload = body.model_dump_json(exclude_none=True).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *headers,
        *([(b"connection", b"close")] if close else []),
    ]})
    await send({"type": "http.response.body", "body": payload})
