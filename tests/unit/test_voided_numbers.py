"""Sequence numbers of sessions that never finished: voided on the kiosk (never handed out
again), reported to the province once, and kept there per (device, number)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from central_api_client.voids import VoidedNumber, VoidsFormatError, parse_voids_body
from kiosk.seal import Sealer
from kiosk.store import KioskStore, StoreError
from kiosk.sync.drain import drain_once
from kiosk.sync.uploader import after_drain
from provisioning.kioskctl import cli
from tests.inprocess_api import device_client, province
from tests.synthetic_records import make_record


def _reserve(store: KioskStore, n: int, tag: str = "s") -> list[str]:
    return [store.numbers.reserve("4301", 1, 9999, f"{tag}{i}") for i in range(n)]


def test_numbers_of_unfinished_sessions_are_voided_and_never_handed_out_again(tmp_path):
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        first = _reserve(store, 3)
        assert store.numbers.void_abandoned() == 3
        assert store.numbers.void_abandoned() == 0  # once
        usage = store.numbers.usage()
        assert (usage["void"], usage["reserved"]) == (3, 0)
        nxt = store.numbers.reserve("4301", 1, 9999, "later")
        assert nxt not in first and nxt > max(first)
        assert [e.event for e in store.audit.entries()][-1] == "numbers.voided"
        assert "4301" not in store.audit.entries()[-1].facts  # counts only, no numbers
        assert store.audit.verify().ok


def test_a_voided_number_cannot_be_spent_by_a_late_record(tmp_path):
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        [number] = _reserve(store, 1)
        store.numbers.void_abandoned()
        sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=200))
        with pytest.raises(StoreError, match="voided"):
            store.commit_record(sealed, number)
        assert store.outbox.counts_by_state().get("queued", 0) == 0


def test_staff_voiding_spares_a_number_a_candidate_may_still_hold(tmp_path):
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        _reserve(store, 2)
        store.connection.db.execute(  # one of them reserved an hour ago
            "UPDATE sequence_numbers SET reserved_at = '2020-01-01T00:00:00.000Z'"
            " WHERE session_id = 's0'")
        assert store.numbers.void_abandoned(older_than_s=30 * 60) == 1
        assert store.numbers.usage()["reserved"] == 1


def test_kioskctl_numbers_void_voids_old_reservations(tmp_path, monkeypatch):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    with KioskStore(tmp_path / "data" / "kiosk.sqlite", min_free_bytes=0) as store:
        _reserve(store, 2)
    runner = CliRunner()
    kept = runner.invoke(cli, ["--simulate", "numbers", "void", "--config", str(config),
                               "--json"])
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.output)["voided_now"] == 0  # both younger than 30 min
    done = runner.invoke(cli, ["--simulate", "numbers", "void", "--older-than", "0",
                               "--config", str(config)])
    # The newest session's number is spared: its candidate may be at the screen.
    assert done.exit_code == 0 and "voided 1 number(s)" in done.output
    assert "1 still reserved" in done.output
    missing = runner.invoke(cli, ["--simulate", "numbers", "void", "--data-dir",
                                  str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "no kiosk database" in missing.output


_V3_NUMBERS = """
CREATE TABLE sequence_numbers (
    number TEXT PRIMARY KEY, county_code TEXT NOT NULL, serial INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'used')), session_id TEXT NOT NULL,
    record_id TEXT UNIQUE, reserved_at TEXT NOT NULL, used_at TEXT,
    UNIQUE (county_code, serial)
);
INSERT INTO sequence_numbers VALUES
    ('43010001', '4301', 1, 'used', 'a', 'r1', '2026-01-01T00:00:00.000Z',
     '2026-01-01T00:01:00.000Z'),
    ('43010002', '4301', 2, 'reserved', 'b', NULL, '2026-01-01T00:02:00.000Z', NULL);
PRAGMA user_version = 3;
"""


def test_a_version_3_database_keeps_its_numbers_and_can_void_them(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(_V3_NUMBERS)
    with KioskStore(path, min_free_bytes=0) as store:
        assert store.numbers.usage()["used"] == 1
        assert store.numbers.void_abandoned() == 1
        assert store.numbers.unreported_voids() == [
            ("43010002", store.numbers.unreported_voids()[0][1])]
        assert store.numbers.reserve("4301", 1, 9999, "c") == "43010003"


@pytest.fixture
def server(tmp_path: Path):
    yield from province(tmp_path)




def test_the_province_hears_of_voided_numbers_once_after_a_drain(server, tmp_path):
    client = device_client(server, tmp_path)
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        voided = _reserve(store, 3)
        store.numbers.void_abandoned()
        report = drain_once(store, client)  # nothing queued: the drain itself goes well
        assert after_drain(store, client, report) is None
        assert store.numbers.unreported_voids() == []
        held = server.app.state.authenticator.registry.voids("SIM-0001")
        assert [v.number for v in held] == voided
        # A report repeated (its answer was lost) is the same report.
        again = [VoidedNumber(v.number, v.voided_at) for v in held]
        assert client.report_voids(again) == 0
        assert len(server.app.state.authenticator.registry.voids()) == 3


def test_a_503_to_the_void_report_keeps_the_numbers_for_next_time(server, tmp_path):
    def busy(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/numbers:void":
            return httpx.Response(503, headers={"Retry-After": "12"},
                                  json={"error": "busy", "reason": "r"})
        return server.request(request.method, str(request.url), headers=request.headers,
                              content=request.content)

    client = device_client(server, tmp_path, httpx.MockTransport(busy))
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        _reserve(store, 1)
        store.numbers.void_abandoned()
        assert after_drain(store, client, drain_once(store, client)) == 12
        assert len(store.numbers.unreported_voids()) == 1


@pytest.mark.parametrize("body", [
    {}, {"voided": []}, {"voided": "43010001"}, {"voided": [{"number": "4301001",
                                                             "voided_at": "x"}]},
    {"voided": [{"number": "43010001", "voided_at": "2026-01-01T00:00:00.000Z", "x": 1}]},
    {"voided": [{"number": "43010001", "voided_at": "2026-01-01T00:00:00Z"}]},
])
def test_a_malformed_report_is_refused_with_422(server, tmp_path, body):
    client = device_client(server, tmp_path)
    response = client._http.request(  # signed like any request, its body malformed
        "POST", "/v1/numbers:void", content=json.dumps(body).encode(),
        headers={"content-type": "application/json"}, auth=client.auth)
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_an_unsigned_report_is_refused(server):
    response = server.post("/v1/numbers:void", json={"voided": [
        {"number": "43010001", "voided_at": "2026-01-01T00:00:00.000Z"}]})
    assert response.status_code == 401


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["voided", "number", "voided_at", "x"]),
                                      inner, max_size=3), max_leaves=12))
def test_the_report_parser_takes_any_json_without_crashing(data):
    try:
        voids = parse_voids_body(data)
    except VoidsFormatError:
        return
    assert voids and all(len(v.number) == 8 for v in voids)


def test_staff_voiding_spares_the_number_of_the_session_at_the_screen(tmp_path):
    """However old it is (a slow candidate) and whatever `--older-than` says, the number the
    newest session reserved may still be committed; the kiosk's own start voids it."""
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        _reserve(store, 2)  # s0, then s1: the session at the screen
        live = store.numbers.reserve("4301", 1, 9999, "live")
        assert store.numbers.void_abandoned(older_than_s=0, spare_live=True) == 2
        store.commit_record(sealer.seal(make_record(sequence_number=live, photo_bytes=200)),
                            live)
        assert store.numbers.usage()["used"] == 1


def test_voiding_at_start_ignores_a_clock_that_went_back(tmp_path):
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        _reserve(store, 1)
        store.connection.db.execute(  # reserved "in the future": the clock was stepped back
            "UPDATE sequence_numbers SET reserved_at = '2999-01-01T00:00:00.000Z'")
        assert store.numbers.void_abandoned() == 1


def test_a_void_report_refused_for_good_does_not_silence_the_audit_head(server, tmp_path):
    asked: list[str] = []

    def refusing(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/v1/numbers:void":
            return httpx.Response(422, json={"error": "invalid_request", "reason": "r"})
        return server.request(request.method, str(request.url), headers=request.headers,
                              content=request.content)

    client = device_client(server, tmp_path, httpx.MockTransport(refusing))
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        _reserve(store, 1)
        store.numbers.void_abandoned()
        number = store.numbers.reserve("4301", 1, 9999, "done")
        sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=200))
        store.commit_record(sealed, number)
        assert after_drain(store, client, drain_once(store, client)) is None
    assert asked[-1] == f"/v1/records/{sealed.record_id}"  # the audit head went anyway
    assert "/v1/numbers:void" in asked
