"""Heartbeats: the wire type and its strict parser, the kiosk's sender in the uploader's loop,
the province keeping the latest per machine."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from central_api_client.heartbeat import (
    FIELDS,
    MAX_HEARTBEAT_BODY_BYTES,
    Heartbeat,
    HeartbeatFormatError,
    parse_heartbeat,
)
from central_api_client.voids import VoidedNumber, VoidsFormatError
from kiosk.config import Config, ConfigError, UploadConfig, with_overrides
from kiosk.core.health import DeviceHealth
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from kiosk.sync import status
from kiosk.sync.drain import drain_once
from kiosk.sync.heartbeat import Heartbeats, build_heartbeat
from kiosk.sync.uploader import after_drain
from provincial_api.sqlite_registry import SqliteRegistry
from tests.inprocess_api import device_client, province

HEAD = "3:" + "ab" * 32


def beat(**changes: object) -> Heartbeat:
    base = Heartbeat(config_version=4, app_version="0.1.0", queue_depth=2,
                     oldest_unacknowledged_s=120, audit_head=HEAD, disk_free_mb=5000,
                     sent_at="2026-03-01T08:00:00.000Z",
                     hardware={"printer": "paper_out", "camera": "ok"})
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_heartbeat_goes_over_the_wire_and_back_unchanged():
    hb = beat()
    wire = json.loads(json.dumps(hb.to_wire()))
    assert set(wire) == set(FIELDS)
    assert parse_heartbeat(wire) == hb
    assert hb.faults == {"printer": "paper_out"}
    assert len(json.dumps(wire)) < MAX_HEARTBEAT_BODY_BYTES


@pytest.mark.parametrize("changes", [
    {"config_version": 0}, {"config_version": True}, {"app_version": ""},
    {"app_version": "1.0 beta"}, {"queue_depth": -1}, {"queue_depth": 1.5},
    {"queue_depth": 0, "oldest_unacknowledged_s": 5},  # an age with nothing waiting
    {"oldest_unacknowledged_s": None},  # records waiting without an age
    {"audit_head": "3:xyz"}, {"disk_free_mb": -1}, {"sent_at": "2026-03-01T08:00:00Z"},
    {"hardware": {"Printer": "ok"}}, {"hardware": {"printer": "Paper out"}},
    {"hardware": {f"p{i}": "ok" for i in range(17)}},
])
def test_a_heartbeat_out_of_bounds_is_refused(changes):
    with pytest.raises(HeartbeatFormatError):
        beat(**changes)


def test_the_parser_wants_exactly_the_keys():
    wire = beat().to_wire()
    with pytest.raises(HeartbeatFormatError):
        parse_heartbeat({**wire, "device_id": "HN-4301-0001"})
    with pytest.raises(HeartbeatFormatError):
        parse_heartbeat({k: v for k, v in wire.items() if k != "hardware"})
    with pytest.raises(HeartbeatFormatError):
        parse_heartbeat({**wire, "hardware": ["printer"]})


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2**33) | st.floats(allow_nan=False)
    | st.text(max_size=70),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3), max_leaves=8)


@given(st.fixed_dictionaries({name: _JSON for name in FIELDS}) | _JSON)
def test_the_parser_takes_any_json_and_gives_a_heartbeat_or_a_refusal(data):
    try:
        hb = parse_heartbeat(data)
    except HeartbeatFormatError:
        return
    assert parse_heartbeat(hb.to_wire()) == hb
    assert (hb.oldest_unacknowledged_s is None) == (hb.queue_depth == 0)


@given(st.builds(beat, queue_depth=st.integers(1, 10_000_000),
                 oldest_unacknowledged_s=st.integers(0, 316224000),
                 disk_free_mb=st.integers(0, 2**31 - 1),
                 hardware=st.dictionaries(st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z"),
                                          st.from_regex(r"\A[a-z][a-z0-9_]{0,31}\Z"),
                                          max_size=16)))
def test_every_valid_heartbeat_round_trips(hb):
    assert parse_heartbeat(json.loads(json.dumps(hb.to_wire()))) == hb


def test_device_health_names_each_part_and_its_worst_fault():
    health = DeviceHealth()
    assert set(health.parts().values()) == {"ok"}
    health.printer("paper_out")
    health.reader(connected=False)
    assert health.parts() == {"reader": "lost", "camera": "ok", "printer": "paper_out",
                              "a4_printer": "ok", "light": "ok"}


def test_the_heartbeat_interval_is_bounded():
    with pytest.raises(ConfigError):
        with_overrides(Config(), upload=UploadConfig(heartbeat_s=1)).validate()


# -- the province and the kiosk's sender -------------------------------------------------------

@pytest.fixture
def server(tmp_path: Path):
    yield from province(tmp_path)




def _config(tmp_path: Path) -> Config:
    return with_overrides(Config(), data_dir=tmp_path / "data")


def test_the_uploader_sends_a_heartbeat_after_a_drain_and_the_province_keeps_it(server,
                                                                                tmp_path):
    client = device_client(server, tmp_path)
    now = [0.0]
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        status.record_health(store, {"printer": "paper_out", "camera": "ok"})
        beats = Heartbeats(store, client, _config(tmp_path), 300, clock=lambda: now[0])
        assert after_drain(store, client, drain_once(store, client), beats) is None
        seen = server.app.state.authenticator.registry.heartbeats()["SIM-0001"]
        assert seen.heartbeat.hardware == {"printer": "paper_out", "camera": "ok"}
        assert seen.heartbeat.queue_depth == 0 and seen.heartbeat.config_version is None
        assert seen.heartbeat.audit_head == store.audit.head_header()
        assert store.settings.get(status.HEARTBEAT_KEY) == seen.received_at
        # Not again before the interval; then again, and the newer one replaces it.
        status.record_health(store, {"printer": "ok"})
        now[0] = 100.0
        after_drain(store, client, drain_once(store, client), beats)
        assert server.app.state.authenticator.registry.heartbeats()[
            "SIM-0001"].heartbeat.hardware["printer"] == "paper_out"
        now[0] = 301.0
        after_drain(store, client, drain_once(store, client), beats)
        assert server.app.state.authenticator.registry.heartbeats()[
            "SIM-0001"].heartbeat.hardware == {"printer": "ok"}


def test_a_failed_heartbeat_obeys_retry_after_and_comes_again_later(server, tmp_path):
    calls: list[str] = []

    def busy(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/v1/heartbeat" and len(calls) < 2:
            return httpx.Response(503, headers={"Retry-After": "30"},
                                  json={"error": "busy", "reason": "r"})
        return server.request(request.method, str(request.url), headers=request.headers,
                              content=request.content)

    client = device_client(server, tmp_path, httpx.MockTransport(busy))
    now = [0.0]
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        beats = Heartbeats(store, client, _config(tmp_path), 300, clock=lambda: now[0])
        assert beats.beat_if_due() == 30  # the loop waits as told
        assert beats.beat_if_due() is None and calls == ["/v1/heartbeat"]  # not before
        now[0] = 61.0
        assert beats.beat_if_due() is None
        assert "SIM-0001" in server.app.state.authenticator.registry.heartbeats()


def test_a_heartbeat_the_server_refuses_leaves_the_uploads_alone(server, tmp_path):
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": "not_found", "reason": "old server"})

    client = device_client(server, tmp_path, httpx.MockTransport(refuse))
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        beats = Heartbeats(store, client, _config(tmp_path), 300)
        assert beats.beat_if_due() is None  # logged, no back-off for the uploads


def test_the_heartbeat_counts_what_waits(tmp_path):
    from tests.synthetic_records import make_record

    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001")
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        number = store.numbers.reserve("4301", 1, 9999, "s")
        store.commit_record(sealer.seal(make_record(sequence_number=number, photo_bytes=200)),
                            number)
        hb = build_heartbeat(store, _config(tmp_path))
        assert hb.queue_depth == 1 and hb.oldest_unacknowledged_s is not None
        assert hb.hardware == {}  # the kiosk recorded nothing: nothing is claimed


@pytest.mark.parametrize("body", [{}, {"queue_depth": 1}, {**beat().to_wire(), "x": 1},
                                  {**beat().to_wire(), "queue_depth": "2"}])
def test_a_malformed_heartbeat_is_refused_with_422(server, tmp_path, body):
    client = device_client(server, tmp_path)
    response = client._http.request(
        "POST", "/v1/heartbeat", content=json.dumps(body).encode(),
        headers={"content-type": "application/json"}, auth=client.auth)
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_an_unsigned_or_oversized_heartbeat_is_refused(server):
    assert server.post("/v1/heartbeat", json=beat().to_wire()).status_code == 401
    big = server.post("/v1/heartbeat", content=b"{" + b" " * MAX_HEARTBEAT_BODY_BYTES + b"}",
                      headers={"content-type": "application/json"})
    assert big.status_code == 413


def test_the_registry_keeps_the_latest_sent_per_machine(tmp_path):
    registry = SqliteRegistry(tmp_path / "server.sqlite")
    later = beat(sent_at="2026-03-01T08:05:00.000Z", queue_depth=0,
                 oldest_unacknowledged_s=None)
    registry.note_heartbeat("HN-4301-0001", later, "2026-03-01T08:05:01.000Z")
    registry.note_heartbeat("HN-4301-0001", beat(), "2026-03-01T08:05:02.000Z")  # overtaken
    registry.note_heartbeat("HN-4301-0002", beat(), "2026-03-01T08:00:01.000Z")
    seen = registry.heartbeats()
    assert seen["HN-4301-0001"].heartbeat == later
    assert seen["HN-4301-0001"].received_at == "2026-03-01T08:05:01.000Z"
    assert seen["HN-4301-0002"].heartbeat == beat()
    registry.close()


def test_a_heartbeat_dated_ahead_is_refused_and_cannot_hide_later_ones(server, tmp_path):
    """Kept by its sent_at, one dated a day ahead would make every honest one look older."""
    from datetime import UTC, datetime, timedelta

    from central_api_client.contract import utc_timestamp

    client = device_client(server, tmp_path)
    ahead = beat(sent_at=utc_timestamp(datetime.now(UTC) + timedelta(days=1)))
    response = client._http.request(
        "POST", "/v1/heartbeat", content=json.dumps(ahead.to_wire()).encode(),
        headers={"content-type": "application/json"}, auth=client.auth)
    assert response.status_code == 422 and "sent_at" in response.json()["reason"]
    assert "SIM-0001" not in server.app.state.authenticator.registry.heartbeats()


def test_a_timestamp_of_the_right_shape_but_no_real_moment_is_refused():
    """Month 13 passes a pattern; the server must refuse it (422), not fail on it (500)."""
    with pytest.raises(HeartbeatFormatError):
        beat(sent_at="2026-13-45T08:00:00.000Z")
    with pytest.raises(VoidsFormatError):
        VoidedNumber("43010001", "2026-02-30T00:00:00.000Z")
