"""`provincial-api open` trusts nothing in a database row: planted rows are refused in one line.

An outside review wrote a row straight into the server's SQLite file (a payload for a made-up
person, sealed to the province's public key, which is no secret, and signed by a key of its
own, that key beside it in the row); `open` printed the forged person and exited 0. Here each
such row is planted in a real database file, and `open` must refuse it before showing
anything, naming the check that failed and never the person.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from central_api_client.bundle import BundleWriter
from central_api_client.contract import utc_now
from central_api_client.opening import load_public_pem
from central_api_client.records import SealedRecord
from kiosk.seal import DEV_PROVINCE_PRIVATE_KEY_FILE, PROVINCE_PUBLIC_KEY_FILE, Sealer
from provincial_api.cli import cli
from provincial_api.domain import raw_public_key
from provincial_api.sqlite_registry import SqliteRegistry
from provincial_api.sqlite_store import SqliteStore
from tests.synthetic import resident
from tests.synthetic_records import make_record

VICTIM, OTHER = "SIM-0001", "SIM-0002"
FORGED_NAME = "测试伪造"


@dataclasses.dataclass
class Province:
    db: Path
    private_key: Path
    public_key: X25519PublicKey
    victim: Sealer
    other: Sealer
    victim_key: Ed25519PrivateKey


@pytest.fixture
def province(tmp_path: Path) -> Province:
    keys = tmp_path / "keys"
    Sealer.from_keys_dir(keys, VICTIM)  # makes the development province key pair
    public = load_public_pem(keys / PROVINCE_PUBLIC_KEY_FILE, X25519PublicKey)
    victim_key, other_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    db = tmp_path / "server.sqlite"
    registry = SqliteRegistry(db)
    for device_id, key in ((VICTIM, victim_key), (OTHER, other_key)):
        registry.add(device_id, raw_public_key(key.public_key()), utc_now(), "operator")
    registry.close()
    return Province(db, keys / DEV_PROVINCE_PRIVATE_KEY_FILE, public,
                    Sealer(victim_key, public, VICTIM), Sealer(other_key, public, OTHER),
                    victim_key)


def _forged_person(device_id: str = VICTIM):  # noqa: ANN202 - a Record
    return dataclasses.replace(make_record(device_id, photo_bytes=300),
                               document=resident(name=FORGED_NAME))


def _plant(db: Path, record: SealedRecord, row_key: bytes) -> None:
    """Write a row straight into the records table, past every check of the API."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO records (record_id, device_id, workflow, created_at, size, sha256,"
            " blob, signature, device_public_key, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.record_id, record.device_id, record.workflow, record.created_at,
             record.size, record.sha256, record.blob, record.signature, row_key, utc_now()))


def _open(province: Province, record_id: str, *extra: str):  # noqa: ANN202 - click's Result
    return CliRunner().invoke(cli, ["open", record_id, "--key", str(province.private_key),
                                    "--db", str(province.db), *extra])


def _assert_refused(result, reason: str) -> None:  # noqa: ANN001
    assert result.exit_code == 1, result.output
    assert result.output.strip().count("\n") == 0, "the refusal is one line"
    assert reason in result.output
    assert FORGED_NAME not in result.output and "identity" not in result.output


def test_an_honest_record_opens(province: Province) -> None:
    sealed = province.victim.seal(make_record(VICTIM, photo_bytes=300))
    SqliteStore(province.db).put_many([sealed], raw_public_key(
        province.victim.device_public_key), utc_now())
    opened = _open(province, sealed.record_id)
    assert opened.exit_code == 0, opened.output
    payload = json.loads(opened.output)
    assert (payload["record_id"], payload["device_id"]) == (sealed.record_id, VICTIM)


def test_a_row_signed_by_a_key_that_is_not_the_registered_one_is_refused(
        province: Province) -> None:
    forger = Ed25519PrivateKey.generate()
    forged = Sealer(forger, province.public_key, VICTIM).seal(_forged_person())
    _plant(province.db, forged, raw_public_key(forger.public_key()))  # its own key in the row
    _assert_refused(_open(province, forged.record_id),
                    f"does not verify with the registered key of {VICTIM}")


def test_a_row_naming_a_device_the_registry_does_not_know_is_refused(
        province: Province) -> None:
    forger = Ed25519PrivateKey.generate()
    forged = Sealer(forger, province.public_key, "SIM-0666").seal(_forged_person("SIM-0666"))
    _plant(province.db, forged, raw_public_key(forger.public_key()))
    _assert_refused(_open(province, forged.record_id), "not in the device registry")


def _signed_as_victim(province: Province, record: SealedRecord) -> SealedRecord:
    unsigned = dataclasses.replace(record, device_id=VICTIM)
    return dataclasses.replace(unsigned,
                               signature=province.victim_key.sign(unsigned.signed_message()))


def test_a_row_whose_blob_was_sealed_for_another_device_does_not_open(
        province: Province) -> None:
    """Another device's blob, moved under the victim's name and signed with its real key
    (stolen, say): the signature verifies, but the blob was sealed for the other device."""
    theirs = province.other.seal(_forged_person(OTHER))
    moved = _signed_as_victim(province, theirs)
    _plant(province.db, moved, raw_public_key(province.victim.device_public_key))
    _assert_refused(_open(province, moved.record_id), "does not open")


def test_a_row_whose_payload_names_another_device_is_refused(province: Province) -> None:
    """Sealed for the victim's ids (the info is no secret) around a payload naming another
    device: the payload itself must agree with the row."""
    from central_api_client.contract import HPKE_SUITE, hpke_info

    record = _forged_person(OTHER)
    blob = HPKE_SUITE.encrypt(record.payload_bytes(), province.public_key,
                              info=hpke_info(record_id=record.record_id, device_id=VICTIM))
    honest = province.victim.seal(dataclasses.replace(record, device_id=VICTIM))
    import hashlib

    planted = _signed_as_victim(province, dataclasses.replace(
        honest, blob=blob, size=len(blob), sha256=hashlib.sha256(blob).hexdigest()))
    _plant(province.db, planted, raw_public_key(province.victim.device_public_key))
    _assert_refused(_open(province, planted.record_id), "payload names another device")


def test_an_id_held_from_two_devices_needs_the_device_named(province: Province) -> None:
    mine = province.victim.seal(make_record(VICTIM, photo_bytes=300))
    theirs = province.other.seal(dataclasses.replace(make_record(OTHER, photo_bytes=300),
                                                     record_id=mine.record_id))
    store = SqliteStore(province.db)
    store.put_many([mine], raw_public_key(province.victim.device_public_key), utc_now())
    store.put_many([theirs], raw_public_key(province.other.device_public_key), utc_now())
    ambiguous = _open(province, mine.record_id)
    assert ambiguous.exit_code == 1
    assert f"held from 2 devices ({VICTIM}, {OTHER}): say which with --device" in \
        ambiguous.output
    for device_id in (VICTIM, OTHER):
        opened = _open(province, mine.record_id, "--device", device_id)
        assert opened.exit_code == 0, opened.output
        assert json.loads(opened.output)["device_id"] == device_id
    assert "from device SIM-0003" in _open(province, mine.record_id, "--device",
                                           "SIM-0003").output


def test_import_trusts_the_registry_not_the_bundle(tmp_path: Path, province: Province) -> None:
    """A bundle signed by a key that is not the device's registered one is refused whole."""
    forger = Ed25519PrivateKey.generate()
    writer = BundleWriter(tmp_path / "bundle", VICTIM, utc_now())
    writer.add(Sealer(forger, province.public_key, VICTIM).seal(_forged_person()))
    bundle = writer.finish(forger)
    result = CliRunner().invoke(cli, ["import", str(bundle), "--db", str(province.db)])
    assert result.exit_code == 1 and "manifest signature does not verify" in result.output
    assert SqliteStore(province.db).all_records() == []
