"""One drain: upload every record that is due, oldest first, until none is left or the server
fails; then write the outcome where `kioskctl` and the staff screen read it (`status`).

A record the server refuses (4xx) is never dropped: it keeps its reason as its last error, for
staff and `kioskctl` to see, and is tried again much later in case the refusal was the server's
mistake. When the server cannot be reached or is failing, everything stays queued and the drain
ends; the loop (`kiosk.sync.uploader`) backs off.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from central_api_client.client import (
    Ack,
    AuthError,
    BadReceiptError,
    NotSendableError,
    ProvincialApiClient,
    RejectedError,
    ServerError,
    ServerUnreachableError,
    UnexpectedResponseError,
)
from central_api_client.contract import MAX_BATCH_BODY_BYTES, MAX_BATCH_RECORDS
from central_api_client.logs import LogEvent, event
from kiosk.store import KioskStore, OutboxEntry
from kiosk.sync import status
from kiosk.sync.backoff import rejected_retry_after

log = logging.getLogger("kiosk.uploader")


@dataclass
class UploadReport:
    """What one drain did; record ids only."""

    acknowledged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # Set when the drain stopped early because the server was unreachable or failing, or
    # refused the device itself (`problem_code` says which, in `kiosk.sync.status` terms).
    transient_error: str | None = None
    problem_code: str | None = None
    retry_after_s: float | None = None  # the server's Retry-After, the longest seen
    busy: bool = False  # the province answered busy with an appointment (nothing failed)
    server_time: str | None = None  # with clock_skew

    @property
    def ok(self) -> bool:
        return not self.rejected and self.transient_error is None


def _problem_code(exc: Exception) -> str:
    if isinstance(exc, AuthError):
        return exc.code
    if isinstance(exc, BadReceiptError):
        return "bad_receipt"
    if isinstance(exc, ServerError):
        return "overloaded" if exc.status in (429, 503) else "server_error"
    if isinstance(exc, UnexpectedResponseError):
        return "unexpected_response"
    return "unreachable"


def drain_once(
    store: KioskStore,
    client: ProvincialApiClient,
    batch_size: int = 20,
    stop: threading.Event | None = None,
    concurrency: int = 4,
    records_per_request: int = 1,
) -> UploadReport:
    """Upload every record that is due, oldest first, until none is left or the server fails.

    Records go in batches: one transaction marks a batch sent, its requests run `concurrency`
    at a time over the client's kept-alive connections, one transaction records the acks.
    `records_per_request` > 1 sends that many records per request to the batch endpoint (one
    server transaction for them all); 1 sends one idempotent PUT per record. Each
    record is tried at most once per drain: acknowledged ones leave the queue, refused ones are
    told to wait, and a transient failure or a refusal of the device ends the drain after the
    batches in flight (whose successes are still recorded). `stop`, once set, ends the drain
    between two batches (SIGTERM during a long backlog).

    Once a first batch has gone through, the next batch is marked sent and its requests are
    in flight while this thread records the acknowledgements of the one before (`_PIPELINE`
    batches at most), so the database's fsyncs no longer wait for the network nor the other
    way round. The first batch goes alone: a server that is down costs one batch an attempt.
    """
    report = UploadReport()
    per = max(1, min(records_per_request, MAX_BATCH_RECORDS))
    after_seq = 0
    in_flight: deque[_InFlight] = deque()
    # Set by the first request the server or network fails: requests still waiting for a
    # worker are then not sent (a 503's Retry-After holds for them too).
    halt = threading.Event()
    depth = 1
    with ThreadPoolExecutor(max_workers=max(1, concurrency),
                            thread_name_prefix="upload") as pool:
        while True:
            more = report.transient_error is None and not halt.is_set() \
                and not (stop is not None and stop.is_set())
            if more and len(in_flight) < depth:
                batch = store.outbox.queued(batch_size, after_seq=after_seq)
                if batch:
                    after_seq = batch[-1].seq
                    store.outbox.mark_sent([entry.record_id for entry in batch])
                    futures = [pool.submit(_send, client, chunk, per > 1, halt)
                               for chunk in request_chunks(batch, per)]
                    in_flight.append(_InFlight(batch, futures))
                    continue
            if not in_flight:
                break
            _settle(store, in_flight.popleft(), report)
            if report.acknowledged:
                depth = _PIPELINE
    _record_status(store, report)
    # The WAL's copy into the database happens here, in the uploader, not inside a kiosk's
    # commit (see `kiosk.store.connection`); PASSIVE, so it never waits for the kiosk.
    store.checkpoint()
    return report


_PIPELINE = 2  # batches in flight at once, once the server has answered one


@dataclass
class _InFlight:
    """A batch marked sent, and its requests (one future per request, in order)."""

    batch: list[OutboxEntry]
    futures: list[Future[list[Ack | Exception]]]


def _settle(store: KioskStore, done: _InFlight, report: UploadReport) -> None:
    """Wait for a batch's answers and record them: acks in one transaction, each failure as
    what it says about its record or about the server."""
    outcomes = [outcome for future in done.futures for outcome in future.result()]
    acks: list[tuple[OutboxEntry, Ack]] = []
    for entry, outcome in zip(done.batch, outcomes, strict=True):
        if isinstance(outcome, Ack):
            acks.append((entry, outcome))
        else:
            _failed(store, entry, outcome, report)
    bad = set(store.outbox.mark_acknowledged([ack.receipt for _, ack in acks]))
    for entry, ack in acks:
        if entry.record_id in bad:
            # The client already checks the receipt; this is the database's guard.
            store.outbox.mark_error(entry.record_id, "receipt is not for the record queued",
                                    retry_after_s=rejected_retry_after(entry.attempts + 1))
            report.rejected.append(entry.record_id)
            event(log, LogEvent.UPLOADER_BAD_ACK, level=logging.ERROR,
                  record_id=entry.record_id)
            continue
        report.acknowledged.append(entry.record_id)
        event(log, LogEvent.UPLOADER_ACKNOWLEDGED, record_id=entry.record_id,
              repeated=not ack.created)


# What a batch body may hold of blobs (base64 is 4/3 of them), with room for the metadata.
_BATCH_BLOB_BUDGET = (MAX_BATCH_BODY_BYTES - 64 * 1024) * 3 // 4


def request_chunks(batch: list[OutboxEntry], per: int) -> list[list[OutboxEntry]]:
    """The batch in requests of at most `per` records whose body stays within the batch
    limit: a large record goes in a request of its own rather than push the others'
    request over the limit (where all of them would be refused together)."""
    chunks: list[list[OutboxEntry]] = []
    current: list[OutboxEntry] = []
    size = 0
    for entry in batch:
        if current and (len(current) == per or size + entry.record.size > _BATCH_BLOB_BUDGET):
            chunks.append(current)
            current, size = [], 0
        current.append(entry)
        size += entry.record.size
    if current:
        chunks.append(current)
    return chunks


_SEND_ERRORS = (RejectedError, NotSendableError, ServerUnreachableError, ServerError,
                UnexpectedResponseError)


class NotAttempted(Exception):
    """This record's request was not sent: the server or the network failed an earlier one of
    the same drain first."""

    def __init__(self) -> None:
        super().__init__("not sent: an earlier request of the drain failed")


def _about_the_server(exc: Exception) -> bool:
    """A failure that says nothing about its record: the server, the network or the device's
    credentials."""
    return isinstance(exc, AuthError) or not isinstance(exc, RejectedError | NotSendableError)


def _send(client: ProvincialApiClient, chunk: list[OutboxEntry], batched: bool,
          halt: threading.Event) -> list[Ack | Exception]:
    """One request (or one PUT per record) on a worker thread; outcomes as values, in order.
    Nothing is sent once `halt` is set; a failure of the server sets it."""
    outcomes: list[Ack | Exception] = []
    for request in ([chunk] if batched else [[entry] for entry in chunk]):
        if halt.is_set():
            outcomes.extend(NotAttempted() for _ in request)
            continue
        try:
            if batched:
                outcomes.extend(client.put_records([entry.record for entry in request]))
            else:
                outcomes.append(client.put_record(request[0].record))
        except _SEND_ERRORS as exc:
            if _about_the_server(exc):
                halt.set()
            outcomes.extend([exc] * len(request))
    return outcomes


def _failed(store: KioskStore, entry: OutboxEntry, exc: Exception, report: UploadReport) -> None:
    if isinstance(exc, NotAttempted):
        store.outbox.mark_error(entry.record_id, str(exc))
        return
    if _about_the_server(exc):
        # The server, the network or the device's credentials: nothing about this record.
        store.outbox.mark_error(entry.record_id, str(exc))
        first = report.transient_error is None
        # Busy only while every failure of the drain was the province's busy answer: one that
        # came with a timeout or a 500 is a failure, and the back-off holds.
        was_busy = isinstance(exc, ServerError) and exc.busy
        report.busy = was_busy if first else report.busy and was_busy
        if first:
            report.transient_error = str(exc)
            report.problem_code = _problem_code(exc)
            event(log, LogEvent.UPLOADER_SERVER_UNAVAILABLE, level=logging.WARNING,
                  record_id=entry.record_id, error_type=type(exc).__name__,
                  problem=report.problem_code, error=str(exc))
        if isinstance(exc, ServerError) and exc.retry_after_s is not None:
            report.retry_after_s = max(report.retry_after_s or 0.0, exc.retry_after_s)
        if isinstance(exc, AuthError) and exc.server_time:
            report.server_time = exc.server_time
        return
    # NotSendableError: the client refused to send it (malformed id), as the server would.
    facts: dict[str, Any]
    if isinstance(exc, RejectedError):
        text = f"rejected {exc.status} {exc.code}: {exc.reason}"
        facts = {"status": exc.status, "error": exc.code, "reason": exc.reason}
    else:
        text, facts = f"not sent: {exc}", {"error": "client_refused"}
    store.outbox.mark_error(entry.record_id, text,
                     retry_after_s=rejected_retry_after(entry.attempts + 1))
    report.rejected.append(entry.record_id)
    event(log, LogEvent.UPLOADER_REJECTED, level=logging.WARNING, record_id=entry.record_id,
          **facts)


def _record_status(store: KioskStore, report: UploadReport) -> None:
    if report.transient_error is not None:
        status.record_problem(store, report.problem_code or "unreachable",
                              report.transient_error, server_time=report.server_time)
    elif report.acknowledged or not report.rejected:
        status.record_success(store)
    else:
        status.record_problem(store, "rejected", f"{len(report.rejected)} record(s) refused")
