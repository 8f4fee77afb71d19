"""The province rotates its sealing and receipt keys through the signed configuration: admins
publish with `kiosk-admin`, the reference server serves the repository and takes the uploads
(`kiosk-uploader --once`, its own process), and `provincial-api open` opens what it received.

Bundle v2 names sealing key S1 and receipt key R1; then the province's server switches to
receipt key R2 and bundle v3 names sealing key S2 and receipt keys R1 -> R2 (a rotation)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from kiosk.central_config import CurrentBundle
from kiosk.config import load_config
from kiosk.province_keys import ProvinceKeys
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from kiosk.sync.config_updater import update_once
from provincial_api.cli import cli as provincial_api
from tests.integration.processes import console_script, server_receipt_key, start_server
from tests.integration.signed_config import BASE_TOML, Admins
from tests.synthetic_records import make_record

OPEN_ALL_DAY = BASE_TOML.replace('["08:00-12:00", "15:00-18:00"]', '["00:00-24:00"]')


def _sealing_key(folder: Path, name: str) -> tuple[Path, str]:
    """A province sealing key pair: its private PEM file (the province's) and public PEM."""
    key = X25519PrivateKey.generate()
    path = folder / f"{name}.pem"
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return path, key.public_key().public_bytes(Encoding.PEM,
                                               PublicFormat.SubjectPublicKeyInfo).decode()


def _keys_toml(sealing: str, receipt: str, receipt_next: str | None = None) -> str:
    def pem(text: str) -> str:
        return '"""\n' + text + '"""'

    out = f"\n[keys.sealing]\ncurrent = {pem(sealing)}\n[keys.receipt]\ncurrent = {pem(receipt)}\n"
    return out + (f"next = {pem(receipt_next)}\n" if receipt_next else "")


def _opens(db: Path, record_id: str, key: Path) -> bool:
    result = CliRunner().invoke(provincial_api, ["open", record_id, "--key", str(key),
                                                 "--db", str(db)])
    return result.exit_code == 0 and record_id in result.output


def test_records_sealed_before_and_after_a_rotation_open_with_their_keys_and_receipts_follow(
        tmp_path: Path) -> None:
    province = tmp_path / "province"
    province.mkdir()
    s1, s1_pub = _sealing_key(province, "s1")
    s2, s2_pub = _sealing_key(province, "s2")
    r1 = server_receipt_key(province / "r1").read_text()
    r2 = server_receipt_key(province / "r2").read_text()
    admins = Admins(tmp_path / "admins")
    admins.init(["alice", "bob"], 2)
    admins.sign("alice")
    admins.sign("bob")
    admins.publish(OPEN_ALL_DAY + _keys_toml(s1_pub, r1), ["alice", "bob"])
    root = admins.repo / "metadata" / "1.root.json"
    db = province / "api.sqlite"
    tuf = ("--allow-file-keys", "--tuf-repo", str(admins.repo), "--trust-root", str(root))
    server = start_server(db, receipt_dir=province / "r1", extra=tuf)

    machine = tmp_path / "machine"
    config_path = machine / "kiosk.toml"
    machine.mkdir()
    # kiosk.toml names no receipt key: only the bundle's can make a receipt count.
    config_path.write_text(f"""data_dir = "{machine / 'data'}"
[api]
base_url = "{server.url}"
[config]
trust_root = "{root}"
repository_url = "{server.url}/tuf"
""", encoding="utf-8")
    env = {**os.environ, "KIOSK_CONFIG": str(config_path), "KIOSK_SIMULATE": "1"}
    config = load_config(config_path)
    # As kiosk.wiring composes them: the start gate's bundle feeds the sealer.
    gate = CurrentBundle(config)
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id).following(
        ProvinceKeys(config, lambda: gate.bundle).sealing_key)

    def candidate(store: KioskStore, n: int) -> str:
        gate.refusal()  # between candidates: the bundle in force is read again
        number = store.numbers.reserve(config.device.county_code, config.sequence.first,
                                       config.sequence.last, f"s{n}")
        record = make_record(config.device.id, number, photo_bytes=2_000)
        store.commit_record(sealer.seal(record), number)
        return record.record_id

    def upload() -> dict[str, int]:
        done = subprocess.run([console_script("kiosk-uploader"), "--once"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert "Traceback" not in done.stderr, done.stderr
        with KioskStore(config.database_path) as store:
            return {state: n for state, n in store.outbox.counts_by_state().items() if n}

    try:
        assert update_once(config).version == 2
        with KioskStore(config.database_path) as store:
            before = candidate(store, 1)
        assert upload() == {"acknowledged": 1}

        # The province's server now signs with R2, which bundle v2 does not name.
        server.stop()
        port = int(server.url.rsplit(":", 1)[1])
        server = start_server(db, port, receipt_dir=province / "r2", extra=tuf)
        with KioskStore(config.database_path) as store:
            waiting = candidate(store, 2)  # still sealed to S1: v2 is in force
        assert upload() == {"acknowledged": 1, "queued": 1}  # R2's receipt did not count

        admins.publish(OPEN_ALL_DAY + _keys_toml(s2_pub, r1, r2), ["bob", "alice"])
        assert update_once(config).version == 3
        with KioskStore(config.database_path) as store:
            after = candidate(store, 3)  # sealed to S2: v3 is in force now
        assert upload() == {"acknowledged": 3}
    finally:
        server.stop()

    assert _opens(db, before, s1) and not _opens(db, before, s2)
    assert _opens(db, waiting, s1) and not _opens(db, waiting, s2)
    assert _opens(db, after, s2) and not _opens(db, after, s1)
