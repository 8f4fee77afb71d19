"""httpx client of the provincial API (contract: openapi.yaml beside this file).

Errors come in kinds the uploader acts on differently: the server could not be reached or is
in trouble (try the same record again later, with back-off) versus the server refused this
record (keep it, record why, and let people look). Nothing here logs or raises with personal
data: the client only ever holds sealed blobs and their metadata.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx

from central_api_client.contract import SealedRecordLike, is_device_id, is_record_id

# Statuses that say "not now" rather than "not this": request timeout, too early, rate limited.
_RETRY_LATER_4XX = {408, 425, 429}


class ApiError(Exception):
    """Base of every error the client raises."""


class ServerUnreachableError(ApiError):
    """No HTTP answer at all: network down, DNS, connection refused, timeout."""


class ServerError(ApiError):
    """The server answered but could not do its part (5xx, or 408/425/429): try again later."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"server error {status}: {reason}")
        self.status = status
        self.reason = reason


class RejectedError(ApiError):
    """The server refused the request itself (4xx): sending it again unchanged will not help."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"rejected {status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason


class UnexpectedResponseError(ApiError):
    """A 2xx answer that is not what the contract says (a proxy page, a wrong ack)."""


@dataclass(frozen=True)
class Ack:
    """The server's receipt: it holds `sha256` under `record_id` since `received_at`."""

    record_id: str
    received_at: str
    sha256: str
    created: bool  # False when the server already had it (a repeated PUT)


@dataclass(frozen=True)
class RecordMetadata:
    record_id: str
    device_id: str
    workflow: str
    created_at: str
    size: int
    sha256: str
    received_at: str


class ProvincialApiClient:
    """One client per process; reuses connections. Use as a context manager or call close()."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        *,
        device_public_key: bytes | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        """`device_public_key`: the raw Ed25519 key sent with each record until devices are
        registered with the province. `http`: an existing client (tests pass the app's)."""
        self.base_url = base_url.rstrip("/")
        self.device_public_key = device_public_key
        self._http = http or httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProvincialApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls ---------------------------------------------------------------------------------

    def put_record(self, sealed: SealedRecordLike) -> Ack:
        """Upload one sealed record. Idempotent: the same record again returns the first ack."""
        if not is_record_id(sealed.record_id):
            raise ValueError("record id is not a canonical lower-case UUID")
        if self.device_public_key is None:
            raise ValueError("the client needs the device public key to upload records")
        body = {
            "device_id": sealed.device_id,
            "workflow": sealed.workflow,
            "created_at": sealed.created_at,
            "size": sealed.size,
            "sha256": sealed.sha256,
            "blob": _b64(sealed.blob),
            "signature": _b64(sealed.signature),
            "device_public_key": _b64(self.device_public_key),
        }
        response = self._request("PUT", f"/v1/records/{sealed.record_id}", json=body)
        data = _json_object(response)
        try:
            ack = Ack(
                record_id=str(data["record_id"]),
                received_at=str(data["received_at"]),
                sha256=str(data["sha256"]),
                created=response.status_code == 201,
            )
        except KeyError as exc:
            raise UnexpectedResponseError(f"ack lacks {exc.args[0]!r}") from None
        if ack.record_id != sealed.record_id or ack.sha256 != sealed.sha256:
            raise UnexpectedResponseError("ack is for another record id or hash")
        return ack

    def get_record(self, record_id: str) -> RecordMetadata | None:
        """The server's metadata for a record, None when it does not have it."""
        if not is_record_id(record_id):
            raise ValueError("record id is not a canonical lower-case UUID")
        try:
            response = self._request("GET", f"/v1/records/{record_id}")
        except RejectedError as exc:
            if exc.status == 404:
                return None
            raise
        return _metadata(_json_object(response))

    def device_records(self, device_id: str) -> list[RecordMetadata]:
        """What the server holds from one device (for reconciliation and `kioskctl`)."""
        if not is_device_id(device_id):
            raise ValueError("device id has characters the API does not accept")
        response = self._request("GET", f"/v1/devices/{device_id}/records")
        data = _json_object(response)
        records = data.get("records")
        if not isinstance(records, list):
            raise UnexpectedResponseError("device listing lacks a records list")
        return [_metadata(item) for item in records]

    def health(self) -> dict[str, Any]:
        return _json_object(self._request("GET", "/v1/health"))

    # -- plumbing ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            # The exception text of httpx names the URL and the OS error only.
            kind = type(exc).__name__
            raise ServerUnreachableError(f"server unreachable: {kind}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300:
            return response
        code, reason = _error_reason(response)
        if status >= 500 or status in _RETRY_LATER_4XX:
            raise ServerError(status, reason)
        if 400 <= status < 500:
            raise RejectedError(status, code, reason)
        raise UnexpectedResponseError(f"unexpected HTTP status {status}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise UnexpectedResponseError("answer is not JSON") from None
    if not isinstance(data, dict):
        raise UnexpectedResponseError("answer is not a JSON object")
    return data


def _error_reason(response: httpx.Response) -> tuple[str, str]:
    """(code, reason) from the API's error body, or the bare status when it is not ours."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("reason"), str):
        return str(data.get("error", "error")), data["reason"][:300]
    return "http_error", response.reason_phrase or f"HTTP {response.status_code}"


def _metadata(data: Any) -> RecordMetadata:
    if not isinstance(data, dict):
        raise UnexpectedResponseError("record metadata is not a JSON object")
    try:
        return RecordMetadata(
            record_id=str(data["record_id"]),
            device_id=str(data["device_id"]),
            workflow=str(data["workflow"]),
            created_at=str(data["created_at"]),
            size=int(data["size"]),
            sha256=str(data["sha256"]),
            received_at=str(data["received_at"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnexpectedResponseError(f"record metadata malformed: {exc!r}") from None
