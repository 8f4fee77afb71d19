"""`provincial-api import`: a kiosk's export bundle from removable media, stored as uploads are.

Trust comes from the province's registry alone: the manifest must be signed by the registered
key of the device it names (never a key the bundle carries), and every record goes through
`ingest` with that device, exactly as an upload would: its own device signature checked
against that key, and naming that device. Records are keyed by (record id, device id), so a
record another device holds under the same id neither blocks this one nor stands in for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from central_api_client.bundle import BundleError, iter_records, read_manifest, verify_manifest
from central_api_client.contract import MAX_BATCH_RECORDS, utc_now
from provincial_api.domain import Registry, SealedRecord, Store
from provincial_api.ingest import Refused, ingest

Counts = dict[str, int]


def import_bundle(folder: Path, store: Store, registry: Registry,
                  refused: Callable[[str], None]) -> tuple[str, Counts]:
    """Verify and store one bundle: (its device id, how many were stored, already held and
    refused); `refused` is told each refusal in one line. BundleError when the bundle as a
    whole cannot be trusted (no manifest, unknown device, manifest signature)."""
    manifest = read_manifest(folder)
    device = registry.get(manifest["device_id"])
    if device is None:
        raise BundleError(f"device {manifest['device_id']} is not enrolled")
    verify_manifest(folder, device.key())
    counts: Counts = {"stored": 0, "already_held": 0, "refused": 0}

    def store_chunk(chunk: list[SealedRecord]) -> None:
        """Stored as an upload is (`ingest`), a batch's worth at a time (blobs stay few)."""
        for outcome in ingest(store, device, chunk, utc_now()):
            if isinstance(outcome, Refused):
                counts["refused"] += 1
                refused(f"refused {outcome.record_id}: {outcome.reason}")
            else:
                counts["stored" if outcome.created else "already_held"] += 1
        chunk.clear()

    chunk: list[SealedRecord] = []
    for item in iter_records(folder, manifest):
        if isinstance(item, str):
            counts["refused"] += 1
            refused(f"refused {item}")
            continue
        chunk.append(item)
        if len(chunk) == MAX_BATCH_RECORDS:
            store_chunk(chunk)
    store_chunk(chunk)
    return device.device_id, counts
