"""A held record, checked again before anyone reads it (`provincial-api open`).

A row in the server's database proves nothing by itself: anyone who can write the file can
plant one, with a blob sealed to the province's public key (which is no secret) for a made-up
person, signed by a key of their own, and that key beside it in the row. So before a payload
is shown, everything is checked against what the province itself holds: the device signature
with the key in the device *registry* (not the row's), the size and hash, and that the sealed
payload was made for this record id and this device (HPKE's info binds both, and the payload
must name them). Any failure is one line that says which check failed, never what the payload
holds.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central_api_client.opening import SealError, open_sealed
from central_api_client.records import RecordInvalidError
from provincial_api.domain import Registry, Store


class NotOpened(Exception):
    """Why a held record is not shown: one line, no personal data."""


def which_device(store: Store, record_id: str, device_id: str | None) -> str:
    """The device whose record of `record_id` is meant: the one given, or the only holder.

    Records are keyed by (record id, device id); when several devices hold an id, a tool given
    only the id must be told which one rather than pick."""
    holders = store.holders(record_id)
    if device_id is not None:
        if device_id not in holders:
            raise NotOpened(f"no record with this id from device {device_id}")
        return device_id
    if not holders:
        raise NotOpened("no record with this id")
    if len(holders) > 1:
        raise NotOpened(f"record id held from {len(holders)} devices ({', '.join(holders)}):"
                        " say which with --device")
    return holders[0]


def open_held(store: Store, registry: Registry, record_id: str, device_id: str | None,
              province_key: X25519PrivateKey) -> dict[str, Any]:
    """The payload of one held record, only once every check holds (see the module's doc)."""
    device_id = which_device(store, record_id, device_id)
    held = store.sealed(record_id, device_id)
    if held is None:
        raise NotOpened("no record with this id")
    record, _row_key = held  # the row's own key is evidence of the upload, never trusted here
    device = registry.get(record.device_id)
    if device is None:
        raise NotOpened(f"stored record names device {record.device_id}, which is not in the"
                        " device registry: its signature cannot be checked")
    try:
        record.verify(device.key())
    except RecordInvalidError as exc:
        raise NotOpened(f"stored record does not verify with the registered key of"
                        f" {device.device_id}: {exc.reason}") from None
    try:
        return open_sealed(record.blob, province_key, record_id=record.record_id,
                           device_id=record.device_id)
    except SealError as exc:
        raise NotOpened(f"stored record does not open: {exc}") from None
