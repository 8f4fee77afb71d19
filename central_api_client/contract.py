"""What the kiosk and the provincial API must agree on, byte for byte, besides openapi.yaml.

The HPKE suite and its `info`, the exact bytes a device signs, the shapes of identifiers and the
size limits live here once, so the sealing side (`kiosk.seal`) and the verifying side
(`provincial_api`) cannot drift apart. Pure Python plus `cryptography`: no network, no SQLite.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hpke

# RFC 9180 base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. The blob on the wire
# is what `Suite.encrypt` returns: the 32-byte encapsulated key followed by the AEAD ciphertext.
HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
# Binds every ciphertext to this application and payload version, and (since v2) to the record
# id and device id it was sealed for: a blob sealed for anything else, or moved under another
# record or device, fails to open instead of being misread (see `hpke_info`).
HPKE_INFO_CONTEXT = b"hunan-exam-kiosk/record-payload/v2\x00"

SIGNATURE_CONTEXT = b"hunan-exam-kiosk/record-signature/v1\x00"
SIGNATURE_BYTES = 64  # Ed25519
PUBLIC_KEY_BYTES = 32  # Ed25519 and X25519 raw public keys

# The smallest blob HPKE can produce: the encapsulated X25519 key and the AES-GCM tag.
MIN_BLOB_BYTES = 32 + 16
# A record is a 20-40 KB photo, a signature PNG and a few hundred bytes of fields (see
# shared/reference/photo-standard.md); 2 MiB leaves room for strokes without inviting abuse.
MAX_BLOB_BYTES = 2 * 1024 * 1024
# The PUT body: base64 of the blob (4/3) plus the metadata.
MAX_BODY_BYTES = MAX_BLOB_BYTES * 4 // 3 + 64 * 1024
# A batch upload: up to this many records in one request, stored in one transaction (one fsync
# for all of them), and a body limit that fits a batch of ordinary 20-40 KB records.
MAX_BATCH_RECORDS = 32
MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024
# A status query (reconciliation): this many record ids at most, in a small body.
MAX_STATUS_IDS = 1000
MAX_STATUS_BODY_BYTES = 64 * 1024
# Requests without a body (GET) may carry none larger than this.
MAX_EMPTY_BODY_BYTES = 1024

RECORD_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
WORKFLOW_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

_RECORD_ID = re.compile(RECORD_ID_PATTERN)
_DEVICE_ID = re.compile(DEVICE_ID_PATTERN)


def utc_timestamp(moment: datetime) -> str:
    """The one text form of times on the wire and in the databases: UTC, milliseconds, "Z".

    Fixed width, so such strings sort as the times they name. A naive time is taken as local.
    """
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# `utc_timestamp`'s one form on the wire: UTC, milliseconds, "Z".
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def is_utc_timestamp(value: object) -> bool:
    """`utc_timestamp`'s form, and a real moment: a pattern alone lets month 13 through, which
    a reader would then fail on."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def utc_now() -> str:
    """Now, in that one text form."""
    return utc_timestamp(datetime.now(UTC))


def is_record_id(value: str) -> bool:
    """A lower-case canonical UUID (the kiosk makes UUIDv7s); also keeps ids safe in URLs."""
    return bool(_RECORD_ID.fullmatch(value))


def is_device_id(value: str) -> bool:
    """Letters, digits, dot, dash, underscore: safe in a URL path segment and in a log line."""
    return bool(_DEVICE_ID.fullmatch(value))


def hpke_info(*, record_id: str, device_id: str) -> bytes:
    """HPKE's `info` for one record: the context, then canonical JSON of the two ids.

    HPKE mixes `info` into the key schedule, so opening with any other record id or device id
    fails the AEAD tag: the binding holds even for someone who can make a signature verify
    (the device signature covers the same ids, `signing_message`, outside the ciphertext).
    """
    ids = {"device_id": device_id, "record_id": record_id}
    body = json.dumps(ids, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return HPKE_INFO_CONTEXT + body.encode("ascii")


def signing_message(
    *, record_id: str, device_id: str, workflow: str, created_at: str, size: int, sha256: str
) -> bytes:
    """The bytes the device signs: the ciphertext's hash together with the record's metadata.

    Signing the metadata too means a relay cannot move a valid blob under another record id,
    device or workflow. Canonical JSON (sorted keys, no spaces, ASCII) after a context prefix so
    the signature can never be replayed as a signature over something else.
    """
    fields = {
        "created_at": created_at,
        "device_id": device_id,
        "record_id": record_id,
        "sha256": sha256,
        "size": size,
        "workflow": workflow,
    }
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return SIGNATURE_CONTEXT + body.encode("ascii")
