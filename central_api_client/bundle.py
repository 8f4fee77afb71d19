"""The removable-media bundle: sealed records carried to the next level when the network stays
down ("burn it to a disc"). Shared by `kioskctl export` and `provincial-api import`.

A bundle is a folder: `records/<record_id>.json` (metadata, blob and record signature, as the
PUT body carries them) and `manifest.json` listing every record's id, size and sha256, signed by
the device key in `manifest.sig`. The manifest is written last, so a folder without one is an
export that did not finish. Each record keeps its own device signature, so an importer verifies
records exactly as the API does, and the two paths store a record once between them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central_api_client.contract import is_device_id, is_record_id
from central_api_client.device_keys import (
    DevicePublicKey,
    DeviceSigner,
    as_signer,
    verify_device_signature,
)
from central_api_client.files import atomic_write
from central_api_client.records import RecordFormatError, SealedRecord

FORMAT = "hunan-exam-kiosk/export/v1"
MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.sig"
RECORDS_DIR = "records"
_MANIFEST_CONTEXT = b"hunan-exam-kiosk/export-manifest/v1\x00"


class BundleError(Exception):
    """A bundle that cannot be trusted as a whole (no manifest, bad manifest signature)."""


class BundleWriter:
    """Writes one bundle; call `add` per record, then `finish` to sign and write the manifest."""

    def __init__(self, folder: Path, device_id: str, exported_at: str) -> None:
        self.folder = folder
        (folder / RECORDS_DIR).mkdir(parents=True, exist_ok=False)
        self.device_id = device_id
        self.exported_at = exported_at
        self._entries: list[dict[str, Any]] = []

    def add(self, record: SealedRecord) -> None:
        name = f"{record.record_id}.json"
        atomic_write(self.folder / RECORDS_DIR / name, json.dumps(record.to_wire()).encode(),
                     mode=None)
        self._entries.append({"record_id": record.record_id, "size": record.size,
                              "sha256": record.sha256, "file": f"{RECORDS_DIR}/{name}"})

    def finish(self, key: DeviceSigner | Ed25519PrivateKey) -> Path:
        """Sign the manifest with the device key (a TPM's or a file's) and write it, last."""
        manifest = json.dumps(
            {"format": FORMAT, "device_id": self.device_id, "exported_at": self.exported_at,
             "records": self._entries},
            sort_keys=True, indent=1,
        ).encode()
        signature = as_signer(key).sign(_MANIFEST_CONTEXT + manifest)
        atomic_write(self.folder / MANIFEST_SIGNATURE, base64.b64encode(signature), mode=None)
        atomic_write(self.folder / MANIFEST, manifest, mode=None)
        return self.folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, unverified (to learn the device id whose key verifies it)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise BundleError(f"{folder}: no {MANIFEST} (an export that did not finish?)") from None
    except ValueError:
        raise BundleError(f"{folder}: {MANIFEST} is not JSON") from None
    if (not isinstance(manifest, dict) or manifest.get("format") != FORMAT
            or not is_device_id(str(manifest.get("device_id")))):
        raise BundleError(f"{folder}: not a kiosk export bundle")
    return manifest


def verify_manifest(folder: Path, key: DevicePublicKey) -> None:
    """BundleError unless the manifest is signed by `key` (the registry's, in its algorithm)."""
    try:
        signature = base64.b64decode((folder / MANIFEST_SIGNATURE).read_bytes(), validate=True)
        manifest = (folder / MANIFEST).read_bytes()
        verify_device_signature(key, signature, _MANIFEST_CONTEXT + manifest)
    except (OSError, ValueError, InvalidSignature):
        raise BundleError(f"{folder}: manifest signature does not verify") from None


def iter_records(folder: Path, manifest: dict[str, Any]) -> Iterator[SealedRecord | str]:
    """Each record the manifest lists, or a short reason (str) when it is missing or differs."""
    for entry in manifest.get("records", []):
        record_id = str(entry.get("record_id"))
        if not is_record_id(record_id):
            yield f"{record_id!r}: not a record id"
            continue
        try:
            body = json.loads((folder / RECORDS_DIR / f"{record_id}.json").read_bytes())
        except (OSError, ValueError):
            yield f"{record_id}: record file missing or unreadable"
            continue
        try:
            record = SealedRecord.from_wire(body)
        except RecordFormatError as exc:
            yield f"{record_id}: {exc.reason}"
            continue
        if (record.record_id, record.sha256, record.size) != (
            record_id, entry.get("sha256"), entry.get("size")
        ):
            yield f"{record_id}: record file differs from the manifest"
            continue
        yield record
