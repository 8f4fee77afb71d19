"""A technician enrols a machine alone, every actor its own process over loopback:
`provincial-api serve` and `tokens issue`, then `kioskctl enrol`, then the machine's first
signed upload under the id the province gave it. Also: the same token twice, refused tokens,
a server that is not the province, a retired device; the enrolment book on both backends.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central_api_client.client import AuthError, DeviceAuth, ProvincialApiClient
from central_api_client.contract import utc_timestamp
from central_api_client.enrolment import EnrolmentToken, key_fingerprint, secret_sha256
from kiosk.config import load_config
from kiosk.seal import Sealer, load_device_key
from kiosk.store import KioskStore
from kiosk.sync.uploader import load_receipt_key
from provincial_api.backend import Db, open_enrolments
from provincial_api.enrolment import EnrolRefused, NewDevice, TokenRow, registry_key_bytes
from provincial_api.ranges import CountyPools
from tests.integration.processes import Server, console_script, start_server
from tests.synthetic_records import make_record


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                          env=env or dict(os.environ))


def _issue(server: Server, point: str = "长沙市一中", expires: str = "48h") -> str:
    done = _run(console_script("provincial-api"), "tokens", "issue", "--county", "4301",
                "--point", point, "--expires", expires, "--db", str(server.db),
                "--receipt-key", str(server.receipt_public_key))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _enrol(server: Server, token: str, config: Path, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_DATA_DIR": str(data), "KIOSK_ENROL_TOKEN": token}
    env.pop("KIOSK_CONFIG", None)
    # --simulate: these machines enrol their development file key (the server allows file
    # keys); a TPM-held key enrols in test_tpm_enrolment.py.
    return _run(console_script("kioskctl"), "--simulate", "enrol", "--api", server.url,
                "--config", str(config), env=env)


@pytest.fixture
def server(tmp_path: Path):
    running = start_server(tmp_path / "province" / "api.sqlite", dev_enrol=False,
                           extra=("--allow-file-keys",))
    yield running
    running.stop()


def test_enrol_then_upload_as_the_enrolled_device(tmp_path: Path, server: Server) -> None:
    token = _issue(server)
    config_path, data = tmp_path / "kiosk.toml", tmp_path / "kiosk-data"
    done = _enrol(server, token, config_path, data)
    assert done.returncode == 0, done.stderr
    assert "enrolled as HN-4301-0001" in done.stdout
    assert token.split(".")[2] not in done.stdout + done.stderr  # the secret is never shown
    config = load_config(config_path)
    assert (config.device.id, config.device.county_code, config.device.point) == (
        "HN-4301-0001", "4301", "长沙市一中")
    assert config.sequence_range() == ("history", 1, 500)
    assert config.api.base_url == server.url
    assert load_receipt_key(config) == server.receipt_key()

    # A second run with the same token changes nothing.
    again = _enrol(server, token, config_path, data)
    assert again.returncode == 0, again.stderr
    assert "already enrolled as HN-4301-0001" in again.stdout

    # The machine's first record, numbered from its enrolled range, sealed to the province's
    # key from the answer and uploaded signed by its device key under its new id.
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id, generate_dev_keys=False)
    with KioskStore(config.database_path) as store:
        _, first, last = config.sequence_range()
        number = store.numbers.reserve(config.device.county_code, first, last, "s1")
        assert number == "43010001"
        record = make_record(config.device.id, number)
        sealed = sealer.seal(record)
    auth = DeviceAuth(config.device.id, load_device_key(config.keys_dir), send_public_key=False)
    with ProvincialApiClient(server.url, auth=auth, receipt_key=load_receipt_key(config)) as api:
        ack = api.put_record(sealed)
        assert ack.created and ack.receipt.device_id == "HN-4301-0001"

        retired = _run(console_script("provincial-api"), "devices", "retire", "HN-4301-0001",
                       "--db", str(server.db))
        assert retired.returncode == 0, retired.stderr
        with pytest.raises(AuthError) as refused:
            api.put_record(sealed)
        assert refused.value.code == "device_retired"
    listed = _run(console_script("provincial-api"), "devices", "list", "--db", str(server.db))
    assert "HN-4301-0001\tRETIRED" in listed.stdout


def test_refused_tokens_are_one_line_and_exit_1(tmp_path: Path, server: Server) -> None:
    used = _issue(server)
    assert _enrol(server, used, tmp_path / "a.toml", tmp_path / "a").returncode == 0
    expired = _issue(server, expires="0s")
    unknown = EnrolmentToken.new(server.receipt_key()).text()
    for name, token, code in (("used", used, "token_used"), ("expired", expired,
                                                              "token_expired"),
                              ("unknown", unknown, "token_unknown"), ("garbage", "HNE1.x", "")):
        done = _enrol(server, token, tmp_path / f"{name}.toml", tmp_path / name)
        assert done.returncode == 1, (name, done.stdout)
        assert "Traceback" not in done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
        assert len(errors) == 1 and code in errors[0], done.stderr
        assert not (tmp_path / f"{name}.toml").exists()


def test_a_server_that_is_not_the_province_is_refused(tmp_path: Path, server: Server) -> None:
    """Another server (its own receipt key) given a token of the province: it can neither
    name the province's key with a signature that holds nor pass its own key off as it."""
    token = EnrolmentToken.parse(_issue(server))
    stranger = start_server(tmp_path / "stranger" / "api.sqlite", dev_enrol=False,
                            extra=("--allow-file-keys",))
    try:  # the stranger even knows the token (a copy of the province's database)
        open_enrolments(stranger.db).issue(TokenRow(
            token.token_id, secret_sha256(token.secret), "4301", "P", "2000-01-01T00:00:00.000Z",
            "2999-01-01T00:00:00.000Z"))
        done = _enrol(stranger, token.text(), tmp_path / "k.toml", tmp_path / "data")
    finally:
        stranger.stop()
    assert done.returncode == 1
    assert "is not the province's server" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "k.toml").exists()
    assert not (tmp_path / "data" / "keys" / "province_x25519.pub.pem").exists()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    if request.param == "sqlite":
        return tmp_path / "server" / "records.sqlite"
    return request.getfixturevalue("postgres_url")


def test_the_enrolment_book_on_both_backends(db: Db) -> None:
    """Two devices of a county apart, the same token and key answered again, a used token
    refused: the same on SQLite and PostgreSQL."""
    book = open_enrolments(db)
    receipt = Ed25519PrivateKey.generate().public_key()
    now = datetime.now(UTC)
    tokens = [EnrolmentToken.new(receipt) for _ in range(2)]
    for token in tokens:
        book.issue(TokenRow(token.token_id, secret_sha256(token.secret), "4301", "P",
                            utc_timestamp(now), utc_timestamp(now + timedelta(hours=1))))
    keys = [Ed25519PrivateKey.generate().public_key() for _ in range(2)]
    devices = [NewDevice(registry_key_bytes(k), key_fingerprint(k), "file") for k in keys]
    at = utc_timestamp(now)
    first = book.enrol(tokens[0], devices[0], at, CountyPools())
    second = book.enrol(tokens[1], devices[1], at, CountyPools())
    assert (first.device_id, second.device_id) == ("HN-4301-0001", "HN-4301-0002")
    spans = [(r.first, r.last) for row in (first, second) for r in row.ranges]
    serials = [n for a, b in spans for n in range(a, b + 1)]
    assert len(serials) == len(set(serials))
    assert book.enrol(tokens[0], devices[0], at, CountyPools()) == first
    with pytest.raises(EnrolRefused) as refused:
        book.enrol(tokens[0], devices[1], at, CountyPools())
    assert refused.value.code == "token_used"
    assert set(book.enrolments()) == {"HN-4301-0001", "HN-4301-0002"}
    book.close()


def test_a_real_machine_without_a_tpm_is_told_to_name_it(tmp_path: Path, server: Server) -> None:
    env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data"),
           "KIOSK_ENROL_TOKEN": _issue(server)}
    env.pop("KIOSK_SIMULATE", None)
    env.pop("KIOSK_CONFIG", None)
    done = _run(console_script("kioskctl"), "enrol", "--api", server.url, "--config",
                str(tmp_path / "k.toml"), env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "tpm" in done.stderr and not (tmp_path / "k.toml").exists()
    assert not (tmp_path / "data" / "keys").exists() or not any(
        (tmp_path / "data" / "keys").iterdir())
