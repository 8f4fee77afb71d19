"""What the provincial API client raises: kinds the uploader acts on differently.

The server could not be reached or is in trouble (try the same record again later, with
back-off); the server refused this record (keep it, record why, and let people look); the
server refused the device itself (stop until someone fixes it); or an answer that is not the
contract's, a receipt the province did not sign among them (keep everything, say so). Nothing
here carries personal data: the client only ever holds sealed blobs and their metadata.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every error the client raises."""


class NotSendableError(ApiError, ValueError):
    """The client itself refuses to send this record (an id the API cannot take): nothing was
    sent, and sending it again will not help. Only the record's own fault raises this."""


class ServerUnreachableError(ApiError):
    """No HTTP answer at all: network down, DNS, connection refused, timeout."""


class ServerError(ApiError):
    """The server answered but could not do its part (5xx, or 408/425/429): try again later.

    `retry_after_s`: the server's Retry-After, when it said when (its way to stagger a fleet).
    `code`: the API's error code when the answer was the API's (`busy`: the province is up and
    gave an appointment, see `provincial_api.admission`).
    """

    def __init__(self, status: int, reason: str, retry_after_s: float | None = None,
                 code: str = "error") -> None:
        super().__init__(f"server error {status}: {reason}")
        self.status = status
        self.reason = reason
        self.retry_after_s = retry_after_s
        self.code = code

    @property
    def busy(self) -> bool:
        """The province's own "busy, come back at this time" (not a failure of anything)."""
        return self.status == 503 and self.code == "busy" and self.retry_after_s is not None


class RejectedError(ApiError):
    """The server refused the request itself (4xx): sending it again unchanged will not help."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"rejected {status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason


class AuthError(RejectedError):
    """The server refused the device, not the record: unknown device, bad signature, replay or
    clock skew (`code`). Every record would meet the same answer, so uploading stops until it is
    fixed. `server_time` comes with clock_skew."""

    def __init__(self, status: int, code: str, reason: str, server_time: str | None) -> None:
        super().__init__(status, code, reason)
        self.server_time = server_time


class UnexpectedResponseError(ApiError):
    """A 2xx answer that is not what the contract says (a proxy page, a wrong ack)."""


class BadReceiptError(UnexpectedResponseError):
    """A 2xx whose receipt is not the province's for this record (malformed, for another
    record, or not signed by the receipt key): whoever answered, the record is not delivered.
    `code`: the `ReceiptError` code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
