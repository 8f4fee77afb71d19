"""httpx client of the provincial API (contract: openapi.yaml beside this file).

An upload counts only with the province's signed receipt, verified here with the receipt key
the client is given; what it raises otherwise is in `api_errors`. Nothing here logs or raises
with personal data: the client only ever holds sealed blobs and their metadata.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, fields
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from central_api_client.api_errors import (
    ApiError,
    AuthError,
    BadReceiptError,
    NotSendableError,
    RejectedError,
    ServerError,
    ServerUnreachableError,
    UnexpectedResponseError,
)
from central_api_client.candidate_sealing import (
    CandidateSealError,
    open_answer,
    open_roster,
    reply_key_text,
    seal_lookup,
)
from central_api_client.candidates import Candidate, CandidateFormatError, Roster
from central_api_client.contract import is_device_id, is_record_id
from central_api_client.day_report import DayReportWire
from central_api_client.device_keys import DeviceSigner, as_signer, device_public_key_bytes
from central_api_client.enrolment import Enrolment, EnrolRequest
from central_api_client.heartbeat import Heartbeat
from central_api_client.receipts import Receipt, ReceiptError, ReceiptKey
from central_api_client.records import (
    ReceivedRecord,
    RecordFormatError,
    RecordMeta,
    SealedRecord,
)
from central_api_client.signing import DEV_PUBLIC_KEY_HEADER, sign_request
from central_api_client.voids import VoidedNumber, voids_body

# Statuses that say "not now" rather than "not this": request timeout, too early, rate limited.
_RETRY_LATER_4XX = {408, 425, 429}
# 401 codes of the API: the device's credentials or clock, not the record, are the problem.
AUTH_ERRORS = ("signature_missing", "unknown_device", "device_retired", "bad_signature", "replay",
               "clock_skew")
# A Retry-After longer than this is taken as this: a misconfigured proxy must not park a kiosk
# for days.
MAX_RETRY_AFTER_S = 3600.0
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

# The errors live in `api_errors`; they are named here too, as the client's own.
__all__ = [
    "Ack", "ApiError", "AuthError", "BadReceiptError", "DeviceAuth", "NotSendableError",
    "ProvincialApiClient", "RejectedError", "ServerError", "ServerUnreachableError",
    "UnexpectedResponseError", "check_base_url",
]


class DeviceAuth(httpx.Auth):
    """Signs every request with the device key (RFC 9421, see `central_api_client.signing`).

    `send_public_key`: also send the public key in a header (the registry's form: raw Ed25519,
    DER P-256), which only a development server (`provincial-api serve --dev-enrol`) reads, to
    enrol a fresh simulated kiosk by itself. `key`: a `DeviceSigner` (the TPM's key) or a bare
    Ed25519 key.
    """

    requires_request_body = True

    def __init__(self, device_id: str, key: DeviceSigner | Ed25519PrivateKey,
                 send_public_key: bool = True,
                 audit_head: Callable[[], str | None] | None = None):
        """`audit_head`: the machine's audit chain head ("ENTRIES:SHA256"), sent signed with
        every request so the province sees a chain that shrank."""
        self.device_id = device_id
        self._key = as_signer(key)
        self._audit_head = audit_head
        raw = device_public_key_bytes(self._key.public_key())
        self._public_b64 = base64.b64encode(raw).decode() if send_public_key else None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # The whole URL: the signature covers the server's name (@authority) too.
        head = self._audit_head() if self._audit_head else None
        headers = sign_request(self._key, self.device_id, request.method, str(request.url),
                               request.content, audit_head=head)
        request.headers.update(headers)
        if self._public_b64:
            request.headers[DEV_PUBLIC_KEY_HEADER] = self._public_b64
        yield request


@dataclass(frozen=True)
class Ack:
    """The province's verified receipt for one record."""

    receipt: Receipt
    created: bool  # False when the server already had it (a repeated PUT)

    @property
    def record_id(self) -> str:
        return self.receipt.record_id

    @property
    def received_at(self) -> str:
        return self.receipt.received_at

    @property
    def sha256(self) -> str:
        return self.receipt.sha256


def check_base_url(base_url: str) -> None:
    """https://, or plain http:// to this machine's loopback only (development, tests): a
    record's metadata and the device's requests do not cross a network in the clear."""
    url = httpx.URL(base_url)
    if url.scheme == "https" and url.host:
        return
    if url.scheme == "http" and url.host in LOOPBACK_HOSTS:
        return
    raise ValueError(f"api.base_url {base_url!r} must be https:// (plain http:// only to"
                     " 127.0.0.1, ::1 or localhost)")


class ProvincialApiClient:
    """One client per process; reuses connections. Use as a context manager or call close()."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        *,
        auth: DeviceAuth | None = None,
        receipt_key: ReceiptKey | None = None,
        http: httpx.Client | None = None,
        max_connections: int = 4,
    ) -> None:
        """`auth`: signs each request as this device (every call but `health` needs it).
        `receipt_key`: the province's receipt key; uploads and status queries need it, since
        an answer counts only with a receipt it verifies. `http`: an existing client (tests
        pass the app's). `max_connections`: the pool size, which bounds how many uploads run
        at once; connections are kept alive and reused. ValueError for a base URL that would
        cross a network in the clear (`check_base_url`)."""
        if http is None:
            check_base_url(base_url)
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.receipt_key = receipt_key
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._http = http or httpx.Client(base_url=self.base_url, timeout=timeout, limits=limits)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProvincialApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls ---------------------------------------------------------------------------------

    def put_record(self, sealed: SealedRecord) -> Ack:
        """Upload one sealed record. Idempotent: the same record again returns the first ack."""
        if not is_record_id(sealed.record_id):
            raise NotSendableError("record id is not a canonical lower-case UUID")
        key = self.require_receipt_key()
        body = sealed.to_wire(with_id=False)
        response = self._request("PUT", f"/v1/records/{sealed.record_id}", json=body)
        receipt = _receipt(_json_object(response), key, sealed)
        return Ack(receipt, created=response.status_code == 201)

    def put_records(self, records: list[SealedRecord]) -> list[Ack | RejectedError]:
        """Upload several sealed records in one request (POST /v1/records:batch).

        Returns one outcome per record, in order: its Ack, or the RejectedError the PUT would
        have raised. A failure of the request itself (unreachable, 5xx, device refused) raises,
        as for one record: then nothing is known of any of them, and all are tried again.
        """
        if not records:
            return []
        key = self.require_receipt_key()
        bodies = []
        for sealed in records:
            if not is_record_id(sealed.record_id):
                raise NotSendableError("record id is not a canonical lower-case UUID")
            bodies.append(sealed.to_wire())
        response = self._request("POST", "/v1/records:batch", json={"records": bodies})
        results = _json_object(response).get("results")
        if not isinstance(results, list) or len(results) != len(records):
            raise UnexpectedResponseError("batch answer lacks one result per record")
        by_id = {str(item.get("record_id")): item for item in results if isinstance(item, dict)}
        outcomes: list[Ack | RejectedError] = []
        for sealed in records:
            item = by_id.get(sealed.record_id)
            if item is None:
                raise UnexpectedResponseError("batch answer lacks a record sent")
            status = item.get("status")
            if not isinstance(status, int) or isinstance(status, bool):
                raise UnexpectedResponseError("batch answer has a result without a status")
            if status in (200, 201):
                outcomes.append(Ack(_receipt(item.get("ack"), key, sealed),
                                    created=status == 201))
            else:
                error = item.get("error")
                if not isinstance(error, dict):
                    error = {}
                outcomes.append(RejectedError(status, str(error.get("error", "error")),
                                              str(error.get("reason", ""))[:300]))
        return outcomes

    def record_status(self, records: list[RecordMeta]) -> dict[str, Receipt | None]:
        """What the province holds of these records from this device (a signed status query,
        for reconciliation): each one's verified receipt, or None when it is not held. A
        receipt that does not verify raises BadReceiptError, as for an upload."""
        if not records:
            return {}
        key = self.require_receipt_key()
        ids = [sealed.record_id for sealed in records]
        response = self._request("POST", "/v1/records:status", json={"record_ids": ids})
        results = _json_object(response).get("results")
        if not isinstance(results, list):
            raise UnexpectedResponseError("status answer lacks a results list")
        by_id = {str(item.get("record_id")): item for item in results if isinstance(item, dict)}
        held: dict[str, Receipt | None] = {}
        for sealed in records:
            item = by_id.get(sealed.record_id)
            if item is None or not isinstance(item.get("held"), bool):
                raise UnexpectedResponseError("status answer lacks a record asked about")
            held[sealed.record_id] = _receipt(item.get("ack"), key, sealed) \
                if item["held"] else None
        return held

    def report_voids(self, voids: list[VoidedNumber]) -> int:
        """Tell the province these sequence numbers were voided (a signed report); how many it
        had not heard of before. Repeating a report is harmless."""
        response = self._request("POST", "/v1/numbers:void", json=voids_body(voids))
        new = _json_object(response).get("new")
        if not isinstance(new, int) or isinstance(new, bool):
            raise UnexpectedResponseError("void report answer lacks a count")
        return new

    def send_day_report(self, report: DayReportWire) -> str:
        """`POST /v1/day-reports`: the province keeps it; when it received it."""
        response = self._request("POST", "/v1/day-reports", json=report.to_wire())
        received_at = _json_object(response).get("received_at")
        if not isinstance(received_at, str):
            raise UnexpectedResponseError("day report answer lacks received_at")
        return received_at

    def send_heartbeat(self, heartbeat: Heartbeat) -> str:
        """Tell the province how this machine is (a signed POST); when it received it."""
        response = self._request("POST", "/v1/heartbeat", json=heartbeat.to_wire())
        received = _json_object(response).get("received_at")
        if not isinstance(received, str):
            raise UnexpectedResponseError("heartbeat answer lacks received_at")
        return received

    def get_record(self, record_id: str) -> ReceivedRecord | None:
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

    def device_records(self, device_id: str) -> list[ReceivedRecord]:
        """What the server holds from one device (for reconciliation and `kioskctl`)."""
        if not is_device_id(device_id):
            raise ValueError("device id has characters the API does not accept")
        response = self._request("GET", f"/v1/devices/{device_id}/records")
        data = _json_object(response)
        records = data.get("records")
        if not isinstance(records, list):
            raise UnexpectedResponseError("device listing lacks a records list")
        return [_metadata(item) for item in records]

    def lookup_candidate(self, province_key: X25519PublicKey, exam: str, id_number: str, *,
                         timeout: float | None = None) -> Candidate | None:
        """One candidate of this device's county, or None: asked sealed to the province's key
        with a one-request reply key, answered sealed to it (`central_api_client.candidates`).
        `timeout`: seconds for this call (a kiosk waits little before asking its roster)."""
        device_id = self._device_id()
        body, reply = seal_lookup(province_key, device_id, exam, id_number)
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        response = self._request("POST", "/v1/candidates:lookup", json=body, **extra)
        try:
            return open_answer(_json_object(response), reply, device_id)
        except (CandidateFormatError, CandidateSealError) as exc:
            raise UnexpectedResponseError(f"candidate answer: {exc}") from None

    def candidate_roster(self, exam: str) -> Roster:
        """This device's point's candidates for `exam`, fetched sealed to a fresh reply key."""
        device_id = self._device_id()
        reply = X25519PrivateKey.generate()
        params = {"exam": exam, "reply_key": reply_key_text(reply.public_key())}
        response = self._request("GET", "/v1/candidates/roster", params=params)
        try:
            return open_roster(_json_object(response), reply, device_id)
        except (CandidateFormatError, CandidateSealError) as exc:
            raise UnexpectedResponseError(f"roster answer: {exc}") from None

    def _device_id(self) -> str:
        if self.auth is None:
            raise ValueError("candidate data is asked by a signing device only")
        return self.auth.device_id

    def enrol(self, request: EnrolRequest) -> Enrolment:
        """POST /v1/enrol: not device-signed (the token is the credential, the device is not
        known yet). The answer is parsed here and proven by the caller: `Enrolment.verify`
        with the token, since only the token knows which receipt key is the province's."""
        response = self._request("POST", "/v1/enrol", json=request.to_wire())
        return Enrolment.from_wire(_json_object(response))

    def health(self) -> dict[str, Any]:
        return _json_object(self._request("GET", "/v1/health"))

    # -- plumbing ------------------------------------------------------------------------------

    def require_receipt_key(self) -> ReceiptKey:
        if self.receipt_key is None:
            raise ValueError("no receipt key: the province's receipts cannot be told from a"
                             " stranger's, so nothing may be uploaded")
        return self.receipt_key

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if "json" in kwargs:
            # orjson, not httpx's json.dumps: a batch is megabytes of base64 strings, which
            # the standard encoder scans character by character (~20x slower, measured).
            kwargs["content"] = orjson.dumps(kwargs.pop("json"))
            kwargs["headers"] = {"content-type": "application/json"}
        if self.auth is not None and path != "/v1/health":
            kwargs["auth"] = self.auth
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            # The exception text of httpx names the URL and the OS error only.
            kind = type(exc).__name__
            raise ServerUnreachableError(f"server unreachable: {kind}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300:
            return response
        body = _error_body(response)  # read once for the code, reason and times in it
        code, reason = _error_reason(body, response)
        if status >= 500 or status in _RETRY_LATER_4XX:
            raise ServerError(status, reason, _retry_after(body, response), code)
        if status == 401 and code in AUTH_ERRORS:
            raise AuthError(status, code, reason, str(body.get("server_time") or "") or None)
        if 400 <= status < 500:
            raise RejectedError(status, code, reason)
        raise UnexpectedResponseError(f"unexpected HTTP status {status}")


def _receipt(data: object, key: ReceiptKey, sealed: RecordMeta) -> Receipt:
    """The answer's receipt for `sealed`, verified with the province's key (BadReceiptError)."""
    try:
        receipt = Receipt.from_wire(data)
        receipt.verify(key, record_id=sealed.record_id, device_id=sealed.device_id,
                       sha256=sealed.sha256)
    except ReceiptError as exc:
        raise BadReceiptError(exc.code, exc.reason) from None
    return receipt


def _retry_after(body: dict[str, Any], response: httpx.Response) -> float | None:
    """When to try again, in seconds, capped; None if the server did not say. The API's busy
    answer says it to the millisecond in its body (`retry_after_s`); otherwise Retry-After
    (RFC 9110: delay-seconds or an HTTP-date), whoever sent it."""
    precise = body.get("retry_after_s")
    if isinstance(precise, int | float) and not isinstance(precise, bool) \
            and 0 <= precise < math.inf:
        return min(float(precise), MAX_RETRY_AFTER_S)
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(0.0, moment.timestamp() - time.time()), MAX_RETRY_AFTER_S)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise UnexpectedResponseError("answer is not JSON") from None
    if not isinstance(data, dict):
        raise UnexpectedResponseError("answer is not a JSON object")
    return data


def _error_body(response: httpx.Response) -> dict[str, Any]:
    """An error answer's JSON object; empty when it is not one (a proxy's page, say)."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_reason(body: dict[str, Any], response: httpx.Response) -> tuple[str, str]:
    """(code, reason) from the API's error body, or the bare status when it is not ours."""
    if isinstance(body.get("reason"), str):
        return str(body.get("error", "error")), body["reason"][:300]
    return "http_error", response.reason_phrase or f"HTTP {response.status_code}"


def _metadata(data: Any) -> ReceivedRecord:
    if not isinstance(data, dict):
        raise UnexpectedResponseError("record metadata is not a JSON object")
    # A server may add fields to its listings: what this kiosk knows is read, strictly.
    known = {f.name for f in fields(ReceivedRecord)}
    try:
        return ReceivedRecord.from_wire({k: v for k, v in data.items() if k in known})
    except RecordFormatError as exc:
        raise UnexpectedResponseError(f"record metadata malformed: {exc.reason}") from None
