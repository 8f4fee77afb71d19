"""The body limit: a request larger than the API accepts is refused before it is read whole."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provincial_api.errors import ApiProblem, ErrorBody


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes` (`batch_max_bytes` on the batch route) before they are
    read into memory whole: by Content-Length when declared, else while they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int, batch_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.batch_max_bytes = batch_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.batch_max_bytes if scope["path"].endswith(":batch") else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0 or length > limit:
                await self._refuse(send, length, limit)
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

    async def _refuse(self, send: Send, length: int, limit: int) -> None:
        if length < 0:
            status, body = 400, ErrorBody(error="bad_request", reason="invalid Content-Length")
        else:
            status, body = 413, ErrorBody(error="too_large", reason=self._too_large(limit))
        payload = body.model_dump_json(exclude_none=True).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
