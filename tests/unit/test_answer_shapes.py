"""The batch answer and the receipt are written by hand for speed (no pydantic round trip,
no `asdict`): they must stay exactly what the OpenAPI models and the dataclass declare."""

from __future__ import annotations

from dataclasses import fields

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central_api_client.receipts import Receipt
from central_api_client.records import ReceivedRecord
from provincial_api.ingest import Refused, Stored
from provincial_api.models import BatchItem
from provincial_api.receipt_signer import ReceiptSigner
from provincial_api.routes import batch_item

RECORD = ReceivedRecord(record_id="01900000-0000-7000-8000-000000000001", device_id="SIM-0001",
                        workflow="collect", created_at="2026-11-24T02:00:00.000Z", size=2048,
                        sha256="ab" * 32, received_at="2026-11-24T02:00:01.000Z")


def test_each_batch_item_is_the_models_own_json() -> None:
    signer = ReceiptSigner(Ed25519PrivateKey.generate(), "api-1")
    for outcome in (Stored(RECORD, created=True), Stored(RECORD, created=False),
                    Refused(RECORD.record_id, 422, "sha256_mismatch", "sha256 does not match")):
        item = batch_item(outcome, signer)
        assert BatchItem.model_validate(item).model_dump() == item


def test_a_receipt_on_the_wire_carries_every_field_and_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    receipt = ReceiptSigner(key, "api-1").receipt(RECORD)
    assert set(receipt.to_wire()) == {f.name for f in fields(Receipt)}
    again = Receipt.from_wire(receipt.to_wire())
    again.verify(key.public_key(), record_id=RECORD.record_id, device_id=RECORD.device_id,
                 sha256=RECORD.sha256)
    assert again == receipt
