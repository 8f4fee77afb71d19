"""The sealed record's one wire form: what the kiosk writes, the bundle carries and the server
reads. Round trips exactly; anything else is refused with a code naming the field, never its
value; no input makes it raise anything but RecordFormatError."""

from __future__ import annotations

import contextlib
import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central_api_client.records import (
    ReceivedRecord,
    RecordFormatError,
    RecordInvalidError,
    SealedRecord,
)
from kiosk.seal import Sealer
from tests.synthetic_records import make_record


@pytest.fixture(scope="module")
def sealed(tmp_path_factory) -> SealedRecord:
    sealer = Sealer.from_keys_dir(tmp_path_factory.mktemp("keys"), "SIM-0001")
    return sealer.seal(make_record(photo_bytes=2000))


def test_round_trip_through_json_is_exact(sealed: SealedRecord) -> None:
    body = json.loads(json.dumps(sealed.to_wire()))
    assert SealedRecord.from_wire(body) == sealed
    without_id = sealed.to_wire(with_id=False)
    assert "record_id" not in without_id
    assert SealedRecord.from_wire(without_id, record_id=sealed.record_id) == sealed


def test_a_body_naming_another_id_than_the_path_is_refused(sealed: SealedRecord) -> None:
    with pytest.raises(RecordFormatError, match="record_id differs"):
        SealedRecord.from_wire(sealed.to_wire(), record_id="01900000-0000-7000-8000-000000000000")


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"size": "2048"}, "invalid_record", "size"),  # no "12" for 12
        ({"size": True}, "invalid_record", "size"),
        ({"record_id": "01900000-0000-7000-8000-000000000000\n"}, "invalid_record", "record_id"),
        ({"device_id": "SIM 0001"}, "invalid_record", "device_id"),
        ({"created_at": "2026-11-24T02:00:00"}, "invalid_record", "created_at"),  # no zone
        ({"blob": "not base64!"}, "invalid_base64", "blob"),
        ({"sha256": "ABC"}, "invalid_record", "sha256"),
        ({"extra": 1}, "invalid_record", "extra"),
    ],
)
def test_a_wrong_field_is_named_and_its_value_is_not(sealed, change, code, field) -> None:
    body = {**sealed.to_wire(), **change}
    with pytest.raises(RecordFormatError) as info:
        SealedRecord.from_wire(body)
    assert info.value.code == code and field in info.value.reason
    for value in change.values():
        if isinstance(value, str) and len(value) > 4:
            assert value.strip() not in str(info.value)


def test_a_missing_field_is_named(sealed: SealedRecord) -> None:
    body = sealed.to_wire()
    del body["signature"]
    with pytest.raises(RecordFormatError, match="signature is missing"):
        SealedRecord.from_wire(body)


def test_verify_catches_each_kind_of_change(sealed: SealedRecord, tmp_path) -> None:
    key = Sealer.from_keys_dir(tmp_path / "other", "SIM-0001").device_public_key
    with pytest.raises(RecordInvalidError) as info:
        sealed.verify(key)
    assert info.value.code == "invalid_signature"
    with pytest.raises(RecordInvalidError) as info:
        dataclasses.replace(sealed, size=sealed.size + 1).verify(key)
    assert info.value.code == "size_mismatch"


def test_received_record_lists_metadata_only(sealed: SealedRecord) -> None:
    received = ReceivedRecord.of(sealed.meta(), "2026-11-24T02:00:01.000Z")
    assert set(received.to_wire()) == {"record_id", "device_id", "workflow", "created_at",
                                       "size", "sha256", "received_at"}
    assert ReceivedRecord.from_wire(received.to_wire()) == received


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(_JSON, st.dictionaries(
    st.sampled_from(["record_id", "device_id", "workflow", "created_at", "size", "sha256",
                     "blob", "signature"]), _JSON)))
def test_any_json_is_a_record_or_a_format_error(data: object) -> None:
    with contextlib.suppress(RecordFormatError):
        SealedRecord.from_wire(data)


