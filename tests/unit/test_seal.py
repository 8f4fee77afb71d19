"""Sealing: round trip with the development keys, and every kind of tampering caught."""

from __future__ import annotations

import dataclasses
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central_api_client.opening import SealError, load_private_key_file, open_sealed
from central_api_client.records import RecordInvalidError, SealedRecord
from kiosk import seal
from kiosk.seal import Sealer
from tests.synthetic_records import make_record


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def _province_key(keys_dir: Path) -> X25519PrivateKey:
    return load_private_key_file(keys_dir / seal.DEV_PROVINCE_PRIVATE_KEY_FILE)


def _open(sealed: SealedRecord, key: X25519PrivateKey, **ids: str) -> dict:
    """Open as the province does: for the record id and device the row names."""
    return open_sealed(sealed.blob, key, **{"record_id": sealed.record_id,
                                            "device_id": sealed.device_id, **ids})


def test_round_trip_with_generated_dev_keys(keys_dir: Path) -> None:
    sealer = Sealer.from_keys_dir(keys_dir, "SIM-0001")
    record = make_record()
    sealed = sealer.seal(record)

    assert sealed.record_id == record.record_id
    assert sealed.created_at == "2026-11-24T02:00:00.000Z"
    assert sealed.size == len(sealed.blob)
    assert sealed.sha256 == hashlib.sha256(sealed.blob).hexdigest()
    sealed.verify(sealer.device_public_key)
    payload = _open(sealed, _province_key(keys_dir))
    same = payload == record.to_payload()
    assert same, "opened payload differs from the record's payload"


def test_blob_does_not_contain_the_plaintext(keys_dir: Path) -> None:
    record = make_record()
    sealed = Sealer.from_keys_dir(keys_dir, "SIM-0001").seal(record)
    leaked = record.document.id_number.encode() in sealed.blob
    assert not leaked, "the ID number is readable in the blob"
    assert "测试".encode() not in sealed.blob


def test_keys_are_kept_across_starts(keys_dir: Path) -> None:
    first = Sealer.from_keys_dir(keys_dir, "SIM-0001")
    second = Sealer.from_keys_dir(keys_dir, "SIM-0001")
    assert first.device_public_key_bytes() == second.device_public_key_bytes()
    sealed = second.seal(make_record())
    assert _open(sealed, _province_key(keys_dir))["record_id"] == sealed.record_id
    assert seal.load_device_public_key_bytes(keys_dir) == first.device_public_key_bytes()


def test_private_keys_are_owner_only(keys_dir: Path) -> None:
    Sealer.from_keys_dir(keys_dir, "SIM-0001")
    for name in (seal.DEVICE_KEY_FILE, seal.DEV_PROVINCE_PRIVATE_KEY_FILE):
        assert stat.S_IMODE((keys_dir / name).stat().st_mode) == 0o600


def test_provisioned_machine_refuses_to_invent_keys(keys_dir: Path) -> None:
    with pytest.raises(SealError, match="missing key files"):
        Sealer.from_keys_dir(keys_dir, "SIM-0001", generate_dev_keys=False)


def test_real_province_key_is_used_and_no_private_key_written(keys_dir: Path) -> None:
    province = X25519PrivateKey.generate()
    keys_dir.mkdir()
    seal._write_public(keys_dir / seal.PROVINCE_PUBLIC_KEY_FILE, province.public_key())
    sealed = Sealer.from_keys_dir(keys_dir, "SIM-0001").seal(make_record())
    assert not (keys_dir / seal.DEV_PROVINCE_PRIVATE_KEY_FILE).exists()
    assert _open(sealed, province)["record_id"] == sealed.record_id


def test_record_of_another_device_is_refused(keys_dir: Path) -> None:
    with pytest.raises(ValueError):
        Sealer.from_keys_dir(keys_dir, "SIM-0001").seal(make_record(device_id="SIM-0002"))


@pytest.fixture
def sealed_and_keys(keys_dir: Path) -> tuple[SealedRecord, Sealer, X25519PrivateKey]:
    sealer = Sealer.from_keys_dir(keys_dir, "SIM-0001")
    return sealer.seal(make_record(photo_bytes=2000)), sealer, _province_key(keys_dir)


def test_flipped_blob_byte_is_caught(sealed_and_keys) -> None:
    sealed, sealer, province = sealed_and_keys
    blob = bytearray(sealed.blob)
    blob[len(blob) // 2] ^= 0x01
    tampered = dataclasses.replace(sealed, blob=bytes(blob))
    with pytest.raises(RecordInvalidError, match="sha256"):
        tampered.verify(sealer.device_public_key)
    with pytest.raises(SealError, match="does not open"):
        _open(tampered, province)


def test_blob_with_a_matching_new_hash_still_fails_the_signature(sealed_and_keys) -> None:
    sealed, sealer, _ = sealed_and_keys
    blob = sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 0x80])
    tampered = dataclasses.replace(sealed, blob=blob, sha256=hashlib.sha256(blob).hexdigest())
    with pytest.raises(RecordInvalidError, match="signature"):
        tampered.verify(sealer.device_public_key)


@pytest.mark.parametrize(
    "change",
    [
        {"record_id": "01900000-0000-7000-8000-000000000000"},
        {"device_id": "SIM-9999"},
        {"workflow": "adult-confirm"},
        {"created_at": "2026-11-24T03:00:00.000Z"},
    ],
)
def test_changed_metadata_fails_the_signature(sealed_and_keys, change: dict[str, str]) -> None:
    sealed, sealer, _ = sealed_and_keys
    with pytest.raises(RecordInvalidError, match="signature"):
        dataclasses.replace(sealed, **change).verify(sealer.device_public_key)


def test_signature_of_another_device_fails(sealed_and_keys) -> None:
    sealed, _, _ = sealed_and_keys
    with pytest.raises(RecordInvalidError, match="signature"):
        sealed.verify(Ed25519PrivateKey.generate().public_key())


def test_wrong_province_key_cannot_open(sealed_and_keys) -> None:
    sealed, _, _ = sealed_and_keys
    with pytest.raises(SealError, match="does not open"):
        _open(sealed, X25519PrivateKey.generate())


@pytest.mark.parametrize("moved", [{"record_id": "01900000-0000-7000-8000-000000000000"},
                                   {"device_id": "SIM-0002"}])
def test_a_blob_moved_under_another_record_id_or_device_does_not_open(
        sealed_and_keys, moved: dict[str, str]) -> None:
    """The ids are bound inside the ciphertext (HPKE info), not only by the signature."""
    sealed, _, province = sealed_and_keys
    with pytest.raises(SealError, match="does not open"):
        _open(sealed, province, **moved)


def test_the_info_binds_both_ids_and_names_its_version() -> None:
    from central_api_client.contract import hpke_info

    one = hpke_info(record_id="01900000-0000-7000-8000-000000000000", device_id="SIM-0001")
    assert one.startswith(b"hunan-exam-kiosk/record-payload/v2\x00")
    assert one != hpke_info(record_id="01900000-0000-7000-8000-000000000000",
                            device_id="SIM-0002")
    assert one != hpke_info(record_id="01900000-0000-7000-8000-000000000001",
                            device_id="SIM-0001")


def test_repr_shows_no_blob(sealed_and_keys) -> None:
    sealed, _, _ = sealed_and_keys
    assert "blob=" not in repr(sealed) and "signature=" not in repr(sealed)
