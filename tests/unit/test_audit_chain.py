"""The hash-chained audit log: appended with the change it records, found out when an entry is
deleted, edited or moved (by another process, on the real file), `kioskctl audit`, and the
migration of an older database."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.core.audit_chain import GENESIS, AuditEntry, entry_hash, verify
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from kiosk.store.schema import SCHEMA_VERSION
from provisioning.kioskctl import cli
from tests.synthetic_records import make_record


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")


def _store_with_entries(tmp_path: Path, sealer: Sealer, n: int = 4) -> Path:
    path = tmp_path / "kiosk.sqlite"
    with KioskStore(path, min_free_bytes=0) as store:
        for i in range(n):
            number = store.numbers.reserve("4301", 1, 9999, f"s{i}")
            store.commit_record(sealer.seal(make_record(sequence_number=number,
                                                        photo_bytes=200)), number)
    return path


def _tamper(path: Path, sql: str, *params: object) -> None:
    """What someone with the file does: another connection, outside the kiosk's code."""
    with sqlite3.connect(path) as conn:
        conn.execute(sql, params)


def _verify(path: Path):
    with KioskStore(path, min_free_bytes=0) as store:
        return store.audit.verify(), store.audit.head()


def test_each_commit_appends_a_chained_entry_without_the_sequence_number(tmp_path, sealer):
    path = _store_with_entries(tmp_path, sealer, 3)
    with KioskStore(path, min_free_bytes=0) as store:
        entries = store.audit.entries()
        head = store.audit.head()
    assert [e.id for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert head.count == 3 and head.hash == entries[-1].hash
    assert head.header() == f"3:{entries[-1].hash}"
    for entry in entries:
        facts = json.loads(entry.facts)
        assert entry.event == "record.committed" and set(facts) == {"record_id", "size"}
        assert "4301" not in entry.facts  # no sequence number: the candidate's login name


def test_an_intact_chain_verifies(tmp_path, sealer):
    verdict, head = _verify(_store_with_entries(tmp_path, sealer))
    assert verdict.ok and verdict.head == head and head.count == 4


def test_a_deleted_entry_is_named(tmp_path, sealer):
    path = _store_with_entries(tmp_path, sealer)
    _tamper(path, "DELETE FROM audit WHERE id = 2")
    verdict, head = _verify(path)
    assert not verdict.ok and head.count == 3
    assert verdict.first_break is not None
    assert verdict.first_break.entry_id == 3 and "entry 2 before it is missing" in \
        verdict.first_break.reason
    assert verdict.head.count == 1  # the entries before the break still verify


def test_a_deleted_first_entry_is_named(tmp_path, sealer):
    path = _store_with_entries(tmp_path, sealer)
    _tamper(path, "DELETE FROM audit WHERE id = 1")
    verdict, _ = _verify(path)
    assert verdict.first_break is not None and verdict.first_break.entry_id == 2


def test_an_edited_entry_is_named(tmp_path, sealer):
    path = _store_with_entries(tmp_path, sealer)
    _tamper(path, "UPDATE audit SET facts = replace(facts, 'size', 'sizE') WHERE id = 3")
    verdict, _ = _verify(path)
    assert verdict.first_break is not None and verdict.first_break.entry_id == 3
    assert verdict.first_break.reason.startswith("edited")


def test_reordered_entries_are_named(tmp_path, sealer):
    path = _store_with_entries(tmp_path, sealer)
    # Swap the contents of entries 2 and 3, hashes and all: each row is self-consistent
    # but the ids (covered by the hash) and the links no longer fit.
    _tamper(path, "UPDATE audit SET id = -2 WHERE id = 2")
    _tamper(path, "UPDATE audit SET id = 2 WHERE id = 3")
    _tamper(path, "UPDATE audit SET id = 3 WHERE id = -2")
    verdict, _ = _verify(path)
    assert verdict.first_break is not None and verdict.first_break.entry_id == 2


def test_a_newest_entry_deleted_then_another_appended_leaves_a_gap(tmp_path, sealer):
    path = _store_with_entries(tmp_path, sealer)
    _tamper(path, "DELETE FROM audit WHERE id = 4")
    assert _verify(path)[0].ok  # a shorter chain: only the province can tell (see e2e test)
    with KioskStore(path, min_free_bytes=0) as store:
        store.audit.append("records.exported", count=0, folder="x")
    verdict, _ = _verify(path)
    assert verdict.first_break is not None and verdict.first_break.entry_id == 5


def test_any_single_deletion_edit_or_swap_is_found(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        entries, prev = [], GENESIS
        for i in range(1, rng.randint(2, 12) + 1):
            facts = json.dumps({"count": rng.randint(0, 9)})
            digest = entry_hash(i, f"2026-01-01T00:00:{i:02d}.000Z", "e", facts, prev)
            entries.append(AuditEntry(i, f"2026-01-01T00:00:{i:02d}.000Z", "e", facts, prev,
                                      digest))
            prev = digest
        assert verify(entries).ok
        k = rng.randrange(len(entries) - 1)  # not the newest: that is the province's to see
        kind = rng.choice(["delete", "edit", "swap"])
        bad = list(entries)
        if kind == "delete":
            del bad[k]
        elif kind == "edit":
            e = bad[k]
            bad[k] = AuditEntry(e.id, e.at, e.event, e.facts.replace("}", " }"), e.prev_hash,
                                e.hash)
        else:
            bad[k], bad[k + 1] = bad[k + 1], bad[k]
        assert not verify(bad).ok, (seed, kind, k)


def test_kioskctl_audit_verify_and_show(tmp_path, sealer, monkeypatch):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    _store_with_entries(tmp_path, sealer)
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "audit chain intact: 4 entries" in ok.output
    shown = json.loads(runner.invoke(cli, ["audit", "show", "--last", "2", "--json"]).output)
    assert [e["id"] for e in shown] == [3, 4] and shown[1]["prev_hash"] == shown[0]["hash"]
    _tamper(tmp_path / "kiosk.sqlite", "DELETE FROM audit WHERE id = 2")
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "BROKEN at entry 3" in bad.output and "entry 2 before it is missing" in bad.output
    report = json.loads(runner.invoke(cli, ["audit", "verify", "--json"]).output)
    assert report["ok"] is False and report["first_bad_entry"]["id"] == 3
    assert report["entries"] == 3 and report["verified"] == 1


_V2_AUDIT = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL,
    facts TEXT NOT NULL
);
INSERT INTO audit (at, event, facts) VALUES
    ('2026-01-01T00:00:01.000Z', 'record.committed',
     '{"record_id": "r1", "sequence_number": "43010001", "size": 10}'),
    ('2026-01-01T00:00:02.000Z', 'record.acknowledged', '{"record_id": "r1"}');
PRAGMA user_version = 2;
"""


def test_an_older_database_gets_its_entries_chained_without_sequence_numbers(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(_V2_AUDIT)
    with KioskStore(path, min_free_bytes=0) as store:
        assert store.connection.db.execute("PRAGMA user_version").fetchone()[0] \
            == SCHEMA_VERSION == 5
        entries = store.audit.entries()
        assert [e.event for e in entries] == ["record.committed", "record.acknowledged"]
        assert json.loads(entries[0].facts) == {"record_id": "r1", "size": 10}
        assert store.audit.verify().ok
        store.audit.append("records.exported", count=1, folder="f")
        assert store.audit.verify().ok and store.audit.head().count == 3
