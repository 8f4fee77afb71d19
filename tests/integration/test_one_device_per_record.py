"""One device per record: a second enrolled device can neither block nor take credit for another
device's records, whichever way they arrive (PUT, batch, a bundle from a disc).

The attack an outside review reproduced: device B stores a blob under device A's *future*
record id (ids are UUIDv7, so guessable in time); A's own upload then met 409 forever. Here
both devices are real keys against a real `provincial-api serve` on loopback.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from central_api_client.bundle import BundleWriter
from central_api_client.client import Ack, DeviceAuth, ProvincialApiClient
from central_api_client.contract import utc_now
from central_api_client.records import SealedRecord
from kiosk.seal import Sealer, load_device_key
from provincial_api.domain import raw_public_key
from provincial_api.sqlite_registry import SqliteRegistry
from tests.integration.processes import Server, console_script, start_server
from tests.synthetic_records import make_record

VICTIM, INTRUDER = "SIM-0001", "SIM-0002"


@dataclasses.dataclass
class Kiosk:
    device_id: str
    keys: Path
    sealer: Sealer
    client: ProvincialApiClient


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    started = start_server(tmp_path / "server" / "records.sqlite", dev_enrol=False)
    try:
        yield started
    finally:
        started.stop()


def _kiosk(tmp_path: Path, server: Server, device_id: str) -> Kiosk:
    keys = tmp_path / device_id
    sealer = Sealer.from_keys_dir(keys, device_id)
    registry = SqliteRegistry(server.db)
    registry.add(device_id, raw_public_key(sealer.device_public_key), utc_now(), "operator")
    registry.close()
    auth = DeviceAuth(device_id, load_device_key(keys), send_public_key=False)
    client = ProvincialApiClient(server.url, auth=auth, receipt_key=server.receipt_key())
    return Kiosk(device_id, keys, sealer, client)


@pytest.fixture
def kiosks(tmp_path: Path, server: Server) -> Iterator[tuple[Kiosk, Kiosk]]:
    victim, intruder = _kiosk(tmp_path, server, VICTIM), _kiosk(tmp_path, server, INTRUDER)
    try:
        yield victim, intruder
    finally:
        victim.client.close()
        intruder.client.close()


def _same_id(victim: Kiosk, intruder: Kiosk) -> tuple[SealedRecord, SealedRecord]:
    """The victim's next record, and the intruder's blob stored under that very id."""
    mine = victim.sealer.seal(make_record(VICTIM, photo_bytes=400))
    theirs = intruder.sealer.seal(dataclasses.replace(
        make_record(INTRUDER, photo_bytes=400), record_id=mine.record_id))
    return mine, theirs


def _assert_victims_receipt(ack: object, server: Server, mine: SealedRecord) -> None:
    assert isinstance(ack, Ack), ack
    # The client verified it already; verify again here, as the outbox will before a purge.
    ack.receipt.verify(server.receipt_key(), record_id=mine.record_id, device_id=VICTIM,
                       sha256=mine.sha256)


def test_another_devices_upload_under_my_id_neither_blocks_me_nor_takes_credit(
        server: Server, kiosks: tuple[Kiosk, Kiosk]) -> None:
    victim, intruder = kiosks
    mine, theirs = _same_id(victim, intruder)
    assert intruder.client.put_record(theirs).created
    ack = victim.client.put_record(mine)
    assert ack.created
    _assert_victims_receipt(ack, server, mine)
    # A repeat by either device gets its own receipt, never the other's.
    assert victim.client.put_record(mine).receipt.device_id == VICTIM
    assert intruder.client.put_record(theirs).receipt.device_id == INTRUDER
    # Every read a device makes sees its own record only.
    assert victim.client.record_status([mine])[mine.record_id] is not None
    held = victim.client.get_record(mine.record_id)
    assert held is not None and (held.device_id, held.sha256) == (VICTIM, mine.sha256)
    assert [r.sha256 for r in victim.client.device_records(VICTIM)] == [mine.sha256]
    assert [r.sha256 for r in intruder.client.device_records(INTRUDER)] == [theirs.sha256]
    listed = _provincial_api("list", "--json", "--db", str(server.db))
    assert sorted(json.loads(line)["device_id"] for line in listed.stdout.splitlines()) == [
        VICTIM, INTRUDER]


def test_the_batch_route_keeps_each_devices_record_its_own(
        server: Server, kiosks: tuple[Kiosk, Kiosk]) -> None:
    victim, intruder = kiosks
    pairs = [_same_id(victim, intruder) for _ in range(3)]
    assert all(isinstance(o, Ack) for o in intruder.client.put_records([t for _, t in pairs]))
    outcomes = victim.client.put_records([m for m, _ in pairs])
    for outcome, (mine, _) in zip(outcomes, pairs, strict=True):
        _assert_victims_receipt(outcome, server, mine)
        assert isinstance(outcome, Ack) and outcome.created


def test_an_imported_bundle_is_stored_though_another_device_holds_the_id(
        tmp_path: Path, server: Server, kiosks: tuple[Kiosk, Kiosk]) -> None:
    victim, intruder = kiosks
    mine, theirs = _same_id(victim, intruder)
    intruder.client.put_record(theirs)
    writer = BundleWriter(tmp_path / "usb" / "bundle", VICTIM, utc_now())
    writer.add(mine)
    bundle = writer.finish(load_device_key(victim.keys))
    imported = _provincial_api("import", str(bundle), "--db", str(server.db))
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == {"device_id": VICTIM, "stored": 1,
                                           "already_held": 0, "refused": 0}
    # The victim's later upload is the same record: acknowledged, not a conflict.
    ack = victim.client.put_record(mine)
    assert not ack.created
    _assert_victims_receipt(ack, server, mine)


def _provincial_api(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([console_script("provincial-api"), *args], capture_output=True,
                          text=True, timeout=60)
