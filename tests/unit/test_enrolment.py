"""Enrolment in process: the token, the server's judgement, the signed answer, the allocator.

The wire types are the contract's (`central_api_client.enrolment`); the server runs as an app
over a SQLite file behind FastAPI's test client, and the kiosk side is the contract's client.
The real processes are in tests/integration/test_enrolment.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from central_api_client.client import AuthError, DeviceAuth, ProvincialApiClient, RejectedError
from central_api_client.contract import utc_timestamp
from central_api_client.enrolment import (
    EnrolmentError,
    EnrolmentToken,
    EnrolRequest,
    key_fingerprint,
    public_pem,
    secret_sha256,
)
from kiosk.config import ConfigError, parse_config
from kiosk.config_file import enrolled_config
from kiosk.enrolment_key import device_key_for_enrolment
from provincial_api.app import create_app
from provincial_api.enrol_store import SqliteEnrolments
from provincial_api.enrolment import EnrolSettings, TokenRow
from provincial_api.ranges import CountyPools, Pool, RangesError, allocate
from provincial_api.sqlite_registry import SqliteRegistry

RECEIPT = Ed25519PrivateKey.generate()
SEAL = X25519PrivateKey.generate().public_key()


def _issue(db: Path, county: str = "4301", point: str = "P1", *, receipt=RECEIPT,
           lifetime: timedelta = timedelta(hours=48)) -> EnrolmentToken:
    token = EnrolmentToken.new(receipt.public_key())
    now = datetime.now(UTC)
    SqliteEnrolments(db).issue(TokenRow(token.token_id, secret_sha256(token.secret), county,
                                        point, utc_timestamp(now),
                                        utc_timestamp(now + lifetime)))
    return token


def _app(db: Path, *, allow_file_keys: bool = True, receipt=RECEIPT) -> ProvincialApiClient:
    app = create_app(db, receipt_key=receipt, enrol_settings=EnrolSettings(
        CountyPools(), SEAL, allow_file_keys=allow_file_keys, trust_root=b"root"))
    return ProvincialApiClient("http://testserver", http=TestClient(app))


def _pem(key) -> str:
    return public_pem(key.public_key())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "server.sqlite"


def test_enrol_answers_a_signed_enrolment_that_verifies_with_the_token(db: Path) -> None:
    token = _issue(db, point="长沙市第一中学")
    device = Ed25519PrivateKey.generate()
    answer = _app(db).enrol(EnrolRequest(token.text(), _pem(device), "file"))
    assert answer.verify(token, key_fingerprint(device.public_key())) is not None
    assert (answer.device_id, answer.county_code, answer.point) == (
        "HN-4301-0001", "4301", "长沙市第一中学")
    assert [(r.category, r.first, r.last) for r in answer.ranges] == [
        ("history", 1, 500), ("physics", 5000, 5499)]
    assert answer.province_seal_public_key == public_pem(SEAL)
    assert answer.trust_root_bytes() == b"root"
    # The same token and key again: the same enrolment, not a second device.
    again = _app(db).enrol(EnrolRequest(token.text(), _pem(device), "file"))
    assert again == answer


def test_the_enrolled_device_signs_requests_and_a_retired_one_is_refused(db: Path) -> None:
    token = _issue(db)
    device = Ed25519PrivateKey.generate()
    client = _app(db)
    answer = client.enrol(EnrolRequest(token.text(), _pem(device), "file"))
    auth = DeviceAuth(answer.device_id, device, send_public_key=False)
    signed = ProvincialApiClient("http://testserver", auth=auth,
                                 http=TestClient(create_app(db, receipt_key=RECEIPT)))
    assert signed.device_records(answer.device_id) == []
    assert SqliteRegistry(db).set_active(answer.device_id, False)
    with pytest.raises(AuthError) as refused:
        signed.device_records(answer.device_id)
    assert refused.value.code == "device_retired"
    with pytest.raises(RejectedError) as again:  # nor does the token bring it back
        client.enrol(EnrolRequest(token.text(), _pem(device), "file"))
    assert again.value.code == "device_retired"
    assert SqliteRegistry(db).set_active(answer.device_id, True)
    assert signed.device_records(answer.device_id) == []


@pytest.mark.parametrize("case, status, code", [
    ("used", 409, "token_used"),
    ("expired", 410, "token_expired"),
    ("unknown", 403, "token_unknown"),
    ("wrong_secret", 403, "token_unknown"),
    ("file_key", 403, "key_not_in_tpm"),
    ("p384", 422, "key_unsupported"),
])
def test_refusals_have_their_own_codes(db: Path, case: str, status: int, code: str) -> None:
    token = _issue(db, lifetime=timedelta(seconds=-1) if case == "expired" else timedelta(1))
    client = _app(db, allow_file_keys=case != "file_key")
    pem = _pem(Ed25519PrivateKey.generate())
    if case == "used":
        client.enrol(EnrolRequest(token.text(), _pem(Ed25519PrivateKey.generate()), "file"))
    elif case == "unknown":
        token = EnrolmentToken.new(RECEIPT.public_key())
    elif case == "wrong_secret":
        token = replace(token, secret=EnrolmentToken.new(RECEIPT.public_key()).secret)
    elif case == "p384":
        pem = _pem(ec.generate_private_key(ec.SECP384R1()))  # a curve the TPM work does not use
    with pytest.raises(RejectedError) as refused:
        client.enrol(EnrolRequest(token.text(), pem, "file"))
    assert (refused.value.status, refused.value.code) == (status, code)
    assert token.secret not in refused.value.reason


def test_a_tpm_p256_key_is_accepted(db: Path) -> None:
    token = _issue(db)
    device = ec.generate_private_key(ec.SECP256R1())
    answer = _app(db, allow_file_keys=False).enrol(
        EnrolRequest(token.text(), _pem(device), "tpm", tpm_evidence=None))
    answer.verify(token, key_fingerprint(device.public_key()))


def test_a_server_that_cannot_sign_as_the_province_is_refused(db: Path) -> None:
    """A stranger's server with its own receipt key: its answer names a key that is not the
    token's. Naming the province's key instead, it cannot sign with it."""
    stranger = Ed25519PrivateKey.generate()
    token = _issue(db, receipt=RECEIPT)
    device = Ed25519PrivateKey.generate()
    answer = _app(db, receipt=stranger).enrol(EnrolRequest(token.text(), _pem(device), "file"))
    with pytest.raises(EnrolmentError) as refused:
        answer.verify(token, key_fingerprint(device.public_key()))
    assert refused.value.code == "answer_not_province"
    forged = replace(answer, receipt_public_key=public_pem(RECEIPT.public_key()))
    with pytest.raises(EnrolmentError) as refused:
        forged.verify(token, key_fingerprint(device.public_key()))
    assert refused.value.code == "answer_bad_signature"
    real = _app(db).enrol(EnrolRequest(_issue(db).text(), _pem(device), "file"))
    with pytest.raises(EnrolmentError) as refused:  # replayed to a machine with another key
        real.verify(EnrolmentToken.parse(_issue(db).text()), key_fingerprint(device.public_key()))
    assert refused.value.code == "answer_mismatch"


def test_two_devices_of_a_county_get_ranges_apart(db: Path) -> None:
    client = _app(db)
    answers = [client.enrol(EnrolRequest(_issue(db, county).text(),
                                         _pem(Ed25519PrivateKey.generate()), "file"))
               for county in ("4301", "4301", "4302")]
    assert [a.device_id for a in answers] == ["HN-4301-0001", "HN-4301-0002", "HN-4302-0001"]
    first, second, other = ([(r.first, r.last) for r in a.ranges] for a in answers)
    assert not set(range(first[0][0], first[0][1] + 1)) & set(range(second[0][0],
                                                                     second[0][1] + 1))
    assert second == [(501, 1000), (5500, 5999)]
    assert other == first  # another county numbers with its own code


def test_the_token_text_never_shows_its_secret_in_repr() -> None:
    token = EnrolmentToken.new(RECEIPT.public_key())
    assert token.secret not in repr(token)
    request = EnrolRequest(token.text(), "PEM", "tpm")
    assert token.secret not in repr(request) and token.secret not in str(request)
    assert EnrolmentToken.parse(f"  {token.text()}\n") == token
    with pytest.raises(EnrolmentError):
        EnrolmentToken.parse(token.text()[:-1])


pools = st.lists(st.tuples(st.integers(0, 9999), st.integers(0, 9999), st.integers(1, 3000)),
                 min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(pools=pools, devices=st.integers(1, 40), retire=st.sets(st.integers(0, 39)))
def test_allocated_ranges_never_overlap_and_stay_in_their_pools(pools, devices, retire) -> None:
    """Property: whatever the pools (even overlapping ones) and however many devices enrol,
    no serial is handed to two devices, and each range lies inside its category's pool.
    Retired devices keep their ranges (they are in `taken` still)."""
    made = [Pool(f"c{i}", min(a, b), max(a, b), block) for i, (a, b, block) in enumerate(pools)]
    taken: list[tuple[int, int]] = []
    for _ in range(devices):
        try:
            ranges = allocate(made, taken)
        except RangesError:
            break
        for r, pool in zip(ranges, made, strict=True):
            assert pool.first <= r.first <= r.last <= pool.last
            assert r.last - r.first + 1 == pool.block
        taken += [(r.first, r.last) for r in ranges]
    serials = [n for first, last in taken for n in range(first, last + 1)]
    assert len(serials) == len(set(serials))


def test_the_enrolled_config_keeps_what_the_technician_wrote(tmp_path: Path) -> None:
    existing = ('data_dir = "/var/lib/kiosk"\n[device]\nid = "SIM-0001"\n'
                '[devices]\ncamera = "v4l2:///dev/video0"\n[photo]\n'
                "backgrounds = [[255, 255, 255]]\n")
    text = enrolled_config(existing, data_dir=Path("/var/lib/kiosk"), device_id="HN-4301-0002",
                           county_code="4301", point='点 "A"', base_url="https://api.invalid/",
                           ranges=[("history", 501, 1000), ("physics", 5500, 5999)])
    config = parse_config(text)
    assert (config.device.id, config.device.point) == ("HN-4301-0002", '点 "A"')
    assert config.devices.camera == "v4l2:///dev/video0"
    assert config.photo.backgrounds == ((255, 255, 255),)
    assert config.api.base_url == "https://api.invalid"
    assert config.sequence_range() == ("history", 501, 1000)
    with pytest.raises(ConfigError):  # overlapping ranges are refused
        parse_config(text.replace("5500", "900"))
    chosen = parse_config(text.replace("[sequence]", '[sequence]\ncategory = "physics"'))
    assert chosen.sequence_range() == ("physics", 5500, 5999)


def test_the_enrolment_key_is_made_once(tmp_path: Path) -> None:
    first = device_key_for_enrolment(tmp_path / "keys", "file:")
    again = device_key_for_enrolment(tmp_path / "keys", "")
    assert first == again and first.storage == "file"
    assert (tmp_path / "keys" / "device_ed25519.pem").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("field", "value"), [
    ("point", ""), ("point", "P" * 65), ("point", "一中\n[device]"),
    ("trust_root", "A" * (100 * 1024)),
])
def test_an_answer_with_an_unbounded_point_or_root_is_malformed(db: Path, field: str,
                                                                 value: str) -> None:
    """What the answer carries into kiosk.toml and the keys folder is bounded before use."""
    token = _issue(db)
    answer = _app(db).enrol(EnrolRequest(token.text(), _pem(Ed25519PrivateKey.generate()),
                                         "file"))
    with pytest.raises(EnrolmentError) as refused:
        type(answer).from_wire({**answer.to_wire(), field: value})
    assert refused.value.code == "answer_malformed"
