"""Trust from kiosk to province: only the province's signed receipt lets a record go, and
nothing a stranger sends changes that.

Each test here is one problem an outside review reproduced: a forged acknowledgement purging
records, one oversized record refusing a whole batch, bodies parsed before authentication,
checks in an order that misnames the problem, a request captured for one server accepted by
another, and the plain-http default.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from central_api_client.client import DeviceAuth, ProvincialApiClient
from central_api_client.contract import MAX_BLOB_BYTES
from central_api_client.signing import sign_request
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.sync import status
from kiosk.sync.drain import drain_once
from kiosk.sync.reconcile import reconcile
from provincial_api.app import create_app
from provincial_api.domain import raw_public_key
from provincial_api.sqlite_registry import SqliteRegistry
from tests.synthetic_records import make_record

DEVICE = "SIM-0001"


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.from_keys_dir(tmp_path / "keys", DEVICE)


@pytest.fixture
def auth(tmp_path: Path, sealer: Sealer) -> DeviceAuth:
    return DeviceAuth(DEVICE, load_device_key(tmp_path / "keys"), send_public_key=False)


def _server_db(tmp_path: Path, sealer: Sealer, name: str = "server.sqlite") -> Path:
    db = tmp_path / name
    SqliteRegistry(db).add(DEVICE, raw_public_key(sealer.device_public_key), "t", "operator")
    return db


@pytest.fixture
def http(tmp_path: Path, sealer: Sealer):
    with TestClient(create_app(_server_db(tmp_path, sealer)),
                    raise_server_exceptions=False) as client:
        yield client


def _queue(store: KioskStore, sealer: Sealer, n: int, photo_bytes: int = 400) -> list[str]:
    ids = []
    for i in range(n):
        number = store.numbers.reserve("4301", 1, 9999, f"s{i}")
        sealed = sealer.seal(make_record(sequence_number=number, photo_bytes=photo_bytes))
        store.commit_record(sealed, number)
        ids.append(sealed.record_id)
    return ids


class _Echo(BaseHTTPRequestHandler):
    """A stranger on the network: answers every upload with 201 and an ack that echoes the
    record id and hash it was sent, as an honest server would, but signed by no province."""

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        record_id = self.path.rsplit("/", 1)[-1]
        self._answer(201, self._ack(record_id, body))

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        results = [{"record_id": r["record_id"], "status": 201,
                    "ack": self._ack(r["record_id"], r)} for r in body["records"]]
        self._answer(200, {"results": results})

    @staticmethod
    def _ack(record_id: str, body: dict) -> dict:
        return {"record_id": record_id, "device_id": body["device_id"], "sha256": body["sha256"],
                "received_at": "2026-12-01T08:00:00.000Z", "server": "provincial-api",
                "signature": "A" * 86 + "=="}

    def _answer(self, status_code: int, data: dict) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status_code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("per_request", [1, 5])
def test_a_forged_acknowledgement_marks_nothing_delivered_and_purges_nothing(
        tmp_path: Path, sealer: Sealer, auth: DeviceAuth, per_request: int) -> None:
    stranger = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=stranger.serve_forever, daemon=True).start()
    province_key = Ed25519PrivateKey.generate().public_key()
    url = f"http://127.0.0.1:{stranger.server_address[1]}"
    try:
        with KioskStore(tmp_path / "kiosk.sqlite") as store, \
                ProvincialApiClient(url, auth=auth, receipt_key=province_key) as client:
            _queue(store, sealer, 5)
            report = drain_once(store, client, records_per_request=per_request)
            assert report.acknowledged == [] and report.problem_code == "bad_receipt"
            assert store.outbox.counts_by_state()["acknowledged"] == 0
            assert store.outbox.count_unacknowledged() == 5
            assert store.outbox.purge_acknowledged(-1, province_key) == 0
            words = status.read_status(store).words(DEVICE)
            assert "not signed by the province" in words and "Records stay" in words
    finally:
        stranger.shutdown()


def test_the_provinces_receipt_is_stored_and_only_it_lets_a_blob_go(
        tmp_path: Path, sealer: Sealer, auth: DeviceAuth, http: TestClient) -> None:
    key = http.app.state.receipts.public_key
    client = ProvincialApiClient("http://testserver", auth=auth, http=http, receipt_key=key)
    with KioskStore(tmp_path / "kiosk.sqlite") as store:
        ids = _queue(store, sealer, 3)
        assert drain_once(store, client, records_per_request=2).acknowledged == ids
        assert store.outbox.receipt_problems(key) == []
        # A receipt edited at rest no longer counts: that record's blob is kept.
        store.connection.db.execute(
            "UPDATE outbox SET receipt = replace(receipt, 'provincial-api', 'elsewhere')"
            " WHERE record_id = ?", (ids[0],))
        assert store.outbox.receipt_problems(key) == [ids[0]]
        assert store.outbox.purge_acknowledged(-1, key) == 2
        # Reconciliation fetches a fresh receipt from the province for it.
        assert reconcile(store, client).receipts_renewed == [ids[0]]
        assert store.outbox.purge_acknowledged(-1, key) == 1


def test_reconciliation_settles_lost_answers_and_records_the_province_lacks(
        tmp_path: Path, sealer: Sealer, auth: DeviceAuth, http: TestClient) -> None:
    key = http.app.state.receipts.public_key
    client = ProvincialApiClient("http://testserver", auth=auth, http=http, receipt_key=key)
    with KioskStore(tmp_path / "kiosk.sqlite") as store:
        stored_there, waiting, forgotten = _queue(store, sealer, 3)
        entries = {e.record_id: e.record for e in store.outbox.queued(10)}
        client.put_record(entries[stored_there])  # stored, but the answer never came back
        client.put_record(entries[forgotten])
        store.outbox.mark_acknowledged([client.record_status([entries[forgotten]])[forgotten]])
        store.connection.db.execute(  # the province lost it (say, restored from a backup)
            "UPDATE outbox SET receipt = NULL WHERE record_id = ?", (forgotten,))
        with sqlite3.connect(tmp_path / "server.sqlite") as conn:
            conn.execute("DELETE FROM records WHERE record_id = ?", (forgotten,))
        report = reconcile(store, client)
        assert report.delivered_now == [stored_there] and report.waiting == 1
        assert report.requeued == [forgotten] and report.ok
        assert {e.record_id for e in store.outbox.queued(10)} == {waiting, forgotten}


def test_one_oversized_record_is_refused_alone_and_the_rest_of_its_batch_stored(
        tmp_path: Path, sealer: Sealer, auth: DeviceAuth, http: TestClient) -> None:
    client = ProvincialApiClient("http://testserver", auth=auth, http=http,
                                 receipt_key=http.app.state.receipts.public_key)
    records = [sealer.seal(make_record(photo_bytes=300)) for _ in range(16)]
    huge = bytes(MAX_BLOB_BYTES + 1)
    records[7] = dataclasses.replace(records[7], blob=huge, size=len(huge))
    outcomes = client.put_records(records)
    assert [getattr(o, "code", "ack") for o in outcomes].count("ack") == 15
    assert getattr(outcomes[7], "status", None) == 422
    assert getattr(outcomes[7], "code", None) == "invalid_record"


def test_a_body_is_not_parsed_before_the_request_is_authenticated(http: TestClient) -> None:
    junk = b"{" * 200_000  # would cost a parser dearly; an unsigned sender gets nothing for it
    for path in ("/v1/records:batch", "/v1/records:status"):
        response = http.post(path, content=junk[:60_000],
                             headers={"content-type": "application/json"})
        assert response.status_code == 401 and response.json()["error"] == "signature_missing"
    answer = http.put("/v1/records/01900000-0000-7000-8000-000000000000", content=junk)
    assert answer.status_code == 401


def test_an_unknown_device_with_a_bad_clock_is_named_unknown_not_clock_skew(
        http: TestClient, sealer: Sealer, auth: DeviceAuth) -> None:
    url = "http://testserver/v1/devices/SIM-0404/records"
    stranger = sign_request(Ed25519PrivateKey.generate(), "SIM-0404", "GET", url, b"",
                            now=time.time() - 7200)
    assert http.get(url, headers=stranger).json()["error"] == "unknown_device"
    own = "http://testserver/v1/devices/SIM-0001/records"
    forged = sign_request(Ed25519PrivateKey.generate(), DEVICE, "GET", own, b"",
                          now=time.time() - 7200)
    assert http.get(own, headers=forged).json()["error"] == "bad_signature"


def test_a_request_captured_for_one_server_is_refused_by_another(
        tmp_path: Path, sealer: Sealer, auth: DeviceAuth) -> None:
    body = json.dumps({"record_ids": ["01900000-0000-7000-8000-000000000000"]}).encode()
    key = load_device_key(tmp_path / "keys")
    captured = sign_request(key, DEVICE, "POST", "http://a.example/v1/records:status", body)
    second = create_app(_server_db(tmp_path, sealer, "b.sqlite"),
                        authorities=frozenset({"b.example"}))
    with TestClient(second, base_url="http://b.example") as b:
        for host in ("b.example", "a.example"):  # as captured, or with the Host header forged
            response = b.post("/v1/records:status", content=body,
                              headers={**captured, "host": host})
            assert response.status_code == 401 and response.json()["error"] == "bad_signature"
        fresh = sign_request(key, DEVICE, "POST", "http://b.example/v1/records:status", body)
        assert b.post("/v1/records:status", content=body, headers=fresh).status_code == 200


def test_the_status_query_answers_only_about_the_signers_own_records(
        tmp_path: Path, sealer: Sealer, http: TestClient) -> None:
    key = http.app.state.receipts.public_key
    mine = ProvincialApiClient("http://testserver", http=http, receipt_key=key,
                               auth=DeviceAuth(DEVICE, load_device_key(tmp_path / "keys"),
                                               send_public_key=False))
    sealed = sealer.seal(make_record(photo_bytes=300))
    mine.put_record(sealed)
    other = Sealer.from_keys_dir(tmp_path / "other", "SIM-0002")
    SqliteRegistry(tmp_path / "server.sqlite").add(
        "SIM-0002", raw_public_key(other.device_public_key), "t", "operator")
    theirs = ProvincialApiClient("http://testserver", http=http, receipt_key=key,
                                 auth=DeviceAuth("SIM-0002", load_device_key(tmp_path / "other"),
                                                 send_public_key=False))
    assert mine.record_status([sealed])[sealed.record_id] is not None
    assert theirs.record_status([dataclasses.replace(sealed, device_id="SIM-0002")]) == {
        sealed.record_id: None}


@pytest.mark.parametrize("path,size", [("/v1/records:status", 70_000),
                                       ("/v1/devices/SIM-0001/records", 2_000)])
def test_each_route_has_its_own_body_limit(http: TestClient, path: str, size: int) -> None:
    response = http.request("POST" if "status" in path else "GET", path, content=b"x" * size)
    assert response.status_code == 413 and response.json()["error"] == "too_large"


@pytest.mark.parametrize("url,ok", [("https://api.example", True), ("http://127.0.0.1:8700", True),
                                    ("http://localhost:8700", True), ("http://api.example", False),
                                    ("ftp://api.example", False)])
def test_the_api_address_must_not_cross_a_network_in_the_clear(url: str, ok: bool) -> None:
    if ok:
        ProvincialApiClient(url).close()
    else:
        with pytest.raises(ValueError, match="https"):
            ProvincialApiClient(url)


def test_the_audit_chain_head_travels_signed_and_a_shrunk_chain_is_flagged(
        tmp_path: Path, sealer: Sealer, http: TestClient) -> None:
    from click.testing import CliRunner

    from provincial_api.cli import cli

    heads = iter(["5:" + "a" * 64, "6:" + "b" * 64])
    key = load_device_key(tmp_path / "keys")
    client = ProvincialApiClient("http://testserver", http=http,
                                 receipt_key=http.app.state.receipts.public_key,
                                 auth=DeviceAuth(DEVICE, key, send_public_key=False,
                                                 audit_head=lambda: next(heads)))
    client.device_records(DEVICE)
    client.device_records(DEVICE)
    args = ["devices", "list", "--db", str(tmp_path / "server.sqlite")]
    assert "audit 6:bbbbbbbbbbbb\n" in CliRunner().invoke(cli, args).output
    # A later request shows a shorter chain: entries were deleted on the machine.
    url = "http://testserver/v1/devices/SIM-0001/records"
    later = sign_request(key, DEVICE, "GET", url, b"", now=time.time() + 2,
                         audit_head="4:" + "c" * 64)
    assert http.get(url, headers=later).status_code == 200  # seen, not refused
    assert "audit 6:bbbbbbbbbbbb TRUNCATED" in CliRunner().invoke(cli, args).output
    # The head is covered by the signature: changed on the way, the request is refused.
    signed = sign_request(key, DEVICE, "GET", url, b"", audit_head="9:" + "d" * 64)
    changed = http.get(url, headers={**signed, "kiosk-audit-head": "10:" + "d" * 64})
    assert changed.status_code == 401 and changed.json()["error"] == "bad_signature"
