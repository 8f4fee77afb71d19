"""Taking records in: verify each, store the good ones, one outcome per record.

The one code path by which a record is stored, whether it came by PUT, in a batch, or on a
disc (`provincial-api import`): the record must name the device that signed the request (or
the bundle), hold together (`SealedRecord.verify`: size, hash, the device's signature), and not
reuse an id under which the same device holds another blob (another device's record of that id
is another record: it neither blocks this one nor stands in for it). Everything it can check
without the province's private key; it never reads a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from central_api_client.device_keys import DevicePublicKey
from central_api_client.records import RecordInvalidError
from provincial_api.domain import ConflictError, Device, ReceivedRecord, SealedRecord, Store


@dataclass(frozen=True)
class Unreadable:
    """A record whose body could not be decoded (not base64): refused with its code, but only
    after the device check, as a readable record would be."""

    record_id: str
    device_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class Stored:
    """Held now: `created` when this call stored it, False when it was held already."""

    record: ReceivedRecord
    created: bool


@dataclass(frozen=True)
class Refused:
    """Not stored: the HTTP status a PUT answers with, a stable code and a reason."""

    record_id: str
    status: int
    code: str
    reason: str


Outcome = Stored | Refused


def ingest(store: Store, device: Device, records: Sequence[SealedRecord | Unreadable],
           received_at: str) -> list[Outcome]:
    """Verify and store `records` sent by `device`: one outcome each, in order. The verified
    ones are stored together (one durable transaction for the lot)."""
    outcomes: list[Outcome | None] = []
    accepted: list[tuple[int, SealedRecord]] = []
    key = _key(device)  # loaded once for the batch, not once per record
    for record in records:
        refusal = _refusal(record, device, key)
        outcomes.append(refusal)
        if refusal is None and isinstance(record, SealedRecord):
            accepted.append((len(outcomes) - 1, record))
    if not accepted:  # nothing to store: the writer (and its connection) is not woken
        return [outcome for outcome in outcomes if outcome is not None]
    puts = store.put_many([r for _, r in accepted], device.public_key, received_at)
    for (index, record), put in zip(accepted, puts, strict=True):
        if isinstance(put, ConflictError):
            outcomes[index] = Refused(record.record_id, 409, "conflict",
                                      "record id already holds a different sha256")
        else:
            outcomes[index] = Stored(*put)
    return [outcome for outcome in outcomes if outcome is not None]


def _key(device: Device) -> DevicePublicKey | ValueError:
    """The device's registered key, or why it cannot be loaded (then each record is refused
    as it would have been when loading it on its own)."""
    try:
        return device.key()
    except ValueError as exc:
        return exc


def _refusal(record: SealedRecord | Unreadable, device: Device,
             key: DevicePublicKey | ValueError) -> Refused | None:
    if record.device_id != device.device_id:
        return Refused(record.record_id, 403, "device_mismatch",
                       "record names another device than the signer")
    if isinstance(record, Unreadable):
        return Refused(record.record_id, 422, record.code, record.reason)
    if isinstance(key, ValueError):
        raise key
    try:
        record.verify(key)
    except RecordInvalidError as exc:
        return Refused(record.record_id, 422, exc.code, exc.reason)
    return None
