"""Device authentication: RFC 9421-style signed requests against the reference server.

Each refusal has its own code, because each needs a different person to act: an unknown device
(enrol it), a bad signature (re-enrol), a replay (nobody, usually) and a clock skew (set the
clock). None of them may look like "no network".
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from central_api_client.client import AuthError, DeviceAuth, ProvincialApiClient
from central_api_client.signing import (
    SignatureProblem,
    parse_signature_headers,
    sign_request,
    verify_request,
)
from provincial_api.app import create_app
from provincial_api.domain import raw_public_key
from provincial_api.sqlite_registry import SqliteRegistry

KEY = Ed25519PrivateKey.generate()
LIST = "/v1/devices/SIM-0001/records"
ORIGIN = "http://testserver"  # the TestClient's: the signature covers the server's name


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "server.sqlite"
    SqliteRegistry(path).add("SIM-0001", raw_public_key(KEY.public_key()), "t", "operator")
    return path


@pytest.fixture
def http(db: Path):
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        yield client


def _signed_get(http: TestClient, key=KEY, keyid="SIM-0001", path=LIST, **kw) -> httpx.Response:
    headers = sign_request(key, keyid, "GET", ORIGIN + path, b"", **kw)
    return http.get(path, headers=headers)


def test_a_signed_request_of_an_enrolled_device_passes(http) -> None:
    response = _signed_get(http)
    assert response.status_code == 200 and response.json()["records"] == []


@pytest.mark.parametrize(
    "send,code",
    [
        (lambda http: http.get(LIST), "signature_missing"),
        (lambda http: _signed_get(http, keyid="SIM-0404", path="/v1/devices/SIM-0404/records"),
         "unknown_device"),
        (lambda http: _signed_get(http, key=Ed25519PrivateKey.generate()), "bad_signature"),
        (lambda http: _signed_get(http, now=time.time() - 3600), "clock_skew"),
        (lambda http: _signed_get(http, now=time.time() + 900), "clock_skew"),
    ],
)
def test_each_refusal_has_its_own_code(http, send, code) -> None:
    response = send(http)
    assert response.status_code == 401 and response.json()["error"] == code
    if code == "clock_skew":
        assert response.json()["server_time"].endswith("Z")
        assert "behind" in response.json()["reason"] or "ahead" in response.json()["reason"]


def test_a_replayed_request_is_refused(http) -> None:
    headers = sign_request(KEY, "SIM-0001", "GET", ORIGIN + LIST, b"")
    assert http.get(LIST, headers=headers).status_code == 200
    again = http.get(LIST, headers=headers)
    assert again.status_code == 401 and again.json()["error"] == "replay"


def test_signature_covers_path_query_host_and_body(http) -> None:
    headers = sign_request(KEY, "SIM-0001", "GET", ORIGIN + LIST, b"")
    moved = http.get(LIST + "?limit=1", headers=headers)
    assert moved.status_code == 401 and moved.json()["error"] == "bad_signature"
    elsewhere = sign_request(KEY, "SIM-0001", "GET", "http://another-server" + LIST, b"")
    redirected = http.get(LIST, headers=elsewhere)
    assert redirected.status_code == 401 and redirected.json()["error"] == "bad_signature"
    signed = sign_request(KEY, "k", "PUT", "https://api.example/p", b"body")
    with pytest.raises(SignatureProblem) as info:
        verify_request(KEY.public_key(), "PUT", "https://api.example/p", signed, b"b0dy")
    assert info.value.code == "bad_signature"
    verify_request(KEY.public_key(), "PUT", "https://api.example:443/p", signed, b"body")


def test_the_client_raises_auth_errors_apart_from_rejections(http) -> None:
    stranger = DeviceAuth("SIM-0001", Ed25519PrivateKey.generate(), send_public_key=True)
    client = ProvincialApiClient("http://testserver", auth=stranger, http=http)
    with pytest.raises(AuthError) as info:
        client.device_records("SIM-0001")
    assert info.value.code == "bad_signature"  # a presented key never replaces an enrolled one


def test_dev_enrol_trusts_the_first_key_only(tmp_path: Path) -> None:
    db = tmp_path / "dev.sqlite"
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with TestClient(create_app(db, dev_enrol=True), raise_server_exceptions=False) as http:
        ok = ProvincialApiClient("http://testserver", auth=DeviceAuth("DEV-1", first), http=http)
        assert ok.device_records("DEV-1") == []
        bad = ProvincialApiClient("http://testserver", auth=DeviceAuth("DEV-1", second), http=http)
        with pytest.raises(AuthError) as info:
            bad.device_records("DEV-1")
        assert info.value.code == "bad_signature"
    (device,) = SqliteRegistry(db).all()
    assert device.enrolled_by == "dev-enrol"


def test_without_dev_enrol_a_presented_key_is_ignored(http) -> None:
    client = ProvincialApiClient(
        "http://testserver", auth=DeviceAuth("NEW-1", Ed25519PrivateKey.generate()), http=http
    )
    with pytest.raises(AuthError) as info:
        client.device_records("NEW-1")
    assert info.value.code == "unknown_device"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda h: {**h, "signature-input": h["signature-input"].replace("kiosk=", "other=")},
        lambda h: {**h, "signature-input": h["signature-input"].replace('"@query" ', "")},
        lambda h: {**h, "signature-input": h["signature-input"].replace('"@authority" ', "")},
        lambda h: {**h, "signature-input": h["signature-input"] + ';tag="x"'},
        lambda h: {**h, "signature-input": h["signature-input"].replace("ed25519", "hmac-sha256")},
        lambda h: {**h, "signature": h["signature"].rstrip(":")},
        lambda h: {**h, "signature": "kiosk=:!!!:"},
        lambda h: {k: v for k, v in h.items() if k != "signature"},
    ],
)
def test_signatures_in_any_other_form_are_refused(mangle) -> None:
    headers = mangle(sign_request(KEY, "SIM-0001", "GET", ORIGIN + LIST, b""))
    with pytest.raises(SignatureProblem) as info:
        parse_signature_headers(headers)
        verify_request(KEY.public_key(), "GET", ORIGIN + LIST, headers, b"")
    assert info.value.code in ("bad_signature", "signature_missing")
