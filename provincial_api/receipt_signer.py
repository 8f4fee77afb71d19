"""The province's receipt key on the server: every acknowledgement it gives is signed with it.

The private key is the server's (a file the operator provides, `serve --receipt-key`); kiosks
hold its public half and count a record delivered only on a receipt that verifies with it
(`central_api_client.receipts`). A server started for development may make its own key (and
writes the public half beside it for the simulated kiosks), never silently: it is logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from central_api_client.enrolment import Enrolment, public_pem
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from central_api_client.opening import load_private_pem
from central_api_client.receipts import Receipt
from central_api_client.records import ReceivedRecord

log = logging.getLogger("provincial_api")

DEFAULT_SERVER_ID = "provincial-api"


class ReceiptSigner:
    """Signs receipts as one server (`server_id`, e.g. its host name) with the receipt key."""

    def __init__(self, key: Ed25519PrivateKey, server_id: str = DEFAULT_SERVER_ID) -> None:
        self._key = key
        self.server_id = server_id

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def receipt(self, record: ReceivedRecord) -> Receipt:
        return Receipt(record_id=record.record_id, device_id=record.device_id,
                       sha256=record.sha256, received_at=record.received_at,
                       server=self.server_id).signed_by(self._key)

    def sign_enrolment(self, **answer: Any) -> Enrolment:
        """An enrolment answer naming this key and signed by it: the kiosk checks the key
        against its token's fingerprint, so only the province's server can enrol it."""
        return Enrolment(receipt_public_key=public_pem(self.public_key),
                         **answer).signed_by(self._key)


def public_key_path(private_path: Path) -> Path:
    """Where a development server leaves the public half: `NAME.pub.pem` beside `NAME.pem`."""
    return private_path.with_name(private_path.name.removesuffix(".pem") + ".pub.pem")


def load_receipt_key(path: Path, *, create: bool = False) -> Ed25519PrivateKey:
    """The receipt key from its PEM file; with `create` (development) made when missing."""
    if not path.exists() and create:
        path.parent.mkdir(parents=True, exist_ok=True)
        made = Ed25519PrivateKey.generate()
        atomic_write(path, made.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()), mode=0o600)
        event(log, LogEvent.API_DEV_RECEIPT_KEY, "DEVELOPMENT receipt key generated",
              level=logging.WARNING, path=str(path))
    key: Ed25519PrivateKey = load_private_pem(path, Ed25519PrivateKey)
    public = public_key_path(path)
    if create and not public.exists():
        write_public_key(public, key.public_key())
    return key


def write_public_key(path: Path, key: Ed25519PublicKey) -> None:
    atomic_write(path, key.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo))
