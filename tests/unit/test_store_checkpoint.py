"""Who copies the WAL into the database: the uploader after a drain, not a candidate's save.

SQLite's automatic checkpoint ran inside the commit crossing 1000 WAL pages (every few dozen
records with a 40 KB photo), the slowest saves of all. Now a save leaves it to the uploader; the
automatic one is only a backstop that keeps the WAL bounded when no uploader runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.store.connection import WAL_BACKSTOP_PAGES, WAL_SIZE_LIMIT_BYTES
from kiosk.sync.drain import drain_once
from provincial_api.app import create_app
from tests.synthetic_records import make_record

PAGE = 4096
SQLITE_DEFAULT_PAGES = 1000


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")


def _save(store: KioskStore, sealer: Sealer, n: int) -> None:
    for i in range(n):
        number = store.numbers.reserve("4301", 1, 9999, f"c{i}")
        store.commit_record(sealer.seal(make_record(sequence_number=number,
                                                    photo_bytes=40_000)), number)


def _wal_bytes(store: KioskStore) -> int:
    wal = Path(f"{store.path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_saves_leave_the_checkpoint_to_the_uploader(tmp_path: Path, sealer: Sealer) -> None:
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as kiosk, \
            KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as uploader:
        _save(kiosk, sealer, 50)  # ~1,400 pages: past SQLite's default threshold
        assert _wal_bytes(kiosk) > SQLITE_DEFAULT_PAGES * PAGE * 1.1
        frames, done = uploader.checkpoint()
        assert frames == done > SQLITE_DEFAULT_PAGES
        _save(kiosk, sealer, 1)  # the next write starts the WAL over, cut back to the limit
        assert _wal_bytes(kiosk) <= WAL_SIZE_LIMIT_BYTES
        assert uploader.outbox.counts_by_state()["queued"] == 51


def test_without_an_uploader_the_wal_stays_bounded(tmp_path: Path, sealer: Sealer) -> None:
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as kiosk:
        biggest = 0
        for _ in range(12):  # ~3,300 pages written in all: past the backstop
            _save(kiosk, sealer, 10)
            biggest = max(biggest, _wal_bytes(kiosk))
        assert biggest <= (WAL_BACKSTOP_PAGES + 64) * PAGE


def test_a_drain_ends_with_the_wal_checkpointed(tmp_path: Path, sealer: Sealer) -> None:
    with TestClient(create_app(tmp_path / "server.sqlite", dev_enrol=True)) as http, \
            KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        client = ProvincialApiClient(
            "http://testserver", http=http, receipt_key=http.app.state.receipts.public_key,
            auth=DeviceAuth("SIM-0001", load_device_key(tmp_path / "keys")))
        _save(store, sealer, 5)  # ~60 pages of WAL
        assert drain_once(store, client, records_per_request=5).ok
        store.settings.set("probe", 1)  # a write after a full checkpoint starts the WAL over
        frames, _ = store.checkpoint()
        assert frames < 10  # only the probe: the drain had copied everything before it
