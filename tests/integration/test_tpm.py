"""Keys in the TPM, against a real software TPM (swtpm on loopback), no mocks: the device key
signs only inside the TPM it was made in, the ID-number secret unseals only there, and the
province accepts what such a key signs. A data dir copied to another machine is refused there
with a clear message, not a traceback."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi.testclient import TestClient

from central_api_client.client import DeviceAuth, ProvincialApiClient
from hardware.tpm import TPM_PUBLIC_KEY_FILE, KeyStore, TpmError, open_key_store
from kiosk.seal import Sealer, load_device_public_key_bytes
from kiosk.visits import IdHasher
from provincial_api.app import create_app
from provincial_api.sqlite_registry import SqliteRegistry
from tests.integration.processes import console_script, write_kiosk_config
from tests.integration.swtpm_server import Swtpm
from tests.synthetic_records import make_record

ID_NUMBER = "11010519491231002X"  # the standard's own specimen, never printed by a test


def _store(machine: Swtpm, keys: Path) -> KeyStore:
    return open_key_store(machine.uri, keys)


def test_the_tpm_key_signs_and_cryptography_verifies_it(swtpm: Swtpm, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    store = _store(swtpm, keys)
    try:
        key = store.device_key(create=True)
        message = b"the bytes a device signs"
        signature = key.sign(message)
        public = key.public_key()
    finally:
        store.close()
    assert key.algorithm == "ecdsa-p256-sha256" and len(signature) == 64
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    # What enrolment registers is that same key, read from the keys dir without the TPM.
    on_disk = load_pem_public_key((keys / TPM_PUBLIC_KEY_FILE).read_bytes())
    assert on_disk == public
    assert load_device_public_key_bytes(keys)[:2] == b"\x30\x59"  # DER P-256 SPKI, 91 bytes
    # No private key in the clear on disk: only the TPM's blob and the public PEM.
    assert sorted(p.name for p in keys.iterdir()) == ["device_p256.pub.pem", "device_p256.tpm"]


def test_a_record_and_a_request_signed_in_the_tpm_are_accepted_by_the_province(
        swtpm: Swtpm, tmp_path: Path) -> None:
    store = _store(swtpm, tmp_path / "keys")
    try:
        key = store.device_key(create=True)
        sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001", device_key=key)
        db = tmp_path / "server.sqlite"
        SqliteRegistry(db).add("SIM-0001", sealer.device_public_key_bytes(), "t", "operator")
        sealed = sealer.seal(make_record(photo_bytes=2000))
        sealed.verify(key.public_key())
        with TestClient(create_app(db), raise_server_exceptions=False) as http:
            client = ProvincialApiClient(
                "http://testserver", http=http, receipt_key=http.app.state.receipts.public_key,
                auth=DeviceAuth("SIM-0001", key, send_public_key=False))
            ack = client.put_record(sealed)  # the request's signature and the record's
            assert (ack.record_id, ack.created) == (sealed.record_id, True)
            listed = client.device_records("SIM-0001")  # a signed GET authenticates too
            assert [meta.record_id for meta in listed] == [sealed.record_id]
    finally:
        store.close()


def test_the_keyed_hash_and_the_key_survive_a_restart_of_the_same_tpm(
        swtpm_machines: Callable[[str], Swtpm], tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    machine = swtpm_machines("kiosk")
    store = _store(machine, keys)
    first = IdHasher.from_secrets(store.secrets).digest(ID_NUMBER)
    public = store.device_key(create=True).public_key()
    store.close()
    machine.stop()  # a reboot: the same TPM state, a new process on new ports

    again = swtpm_machines("kiosk")
    store = _store(again, keys)
    try:
        assert IdHasher.from_secrets(store.secrets).digest(ID_NUMBER) == first
        key = store.device_key()
        assert key.public_key() == public
        from central_api_client.device_keys import verify_device_signature

        verify_device_signature(public, key.sign(b"after reboot"), b"after reboot")
    finally:
        store.close()
    assert (keys / "device_id_hash.tpm").exists()
    assert not (keys / "device_id_hash.secret").exists()  # the secret is nowhere in the clear


def test_a_data_dir_copied_to_another_machine_neither_signs_nor_hashes(
        swtpm_machines: Callable[[str], Swtpm], tmp_path: Path) -> None:
    kiosk = write_kiosk_config(tmp_path / "a", "http://127.0.0.1:9")
    original = swtpm_machines("original")
    store = _store(original, kiosk.data_dir / "keys")
    IdHasher.from_secrets(store.secrets).digest(ID_NUMBER)
    store.device_key(create=True).sign(b"works here")
    store.close()

    copy = tmp_path / "b" / "kiosk-data"
    shutil.copytree(kiosk.data_dir, copy)  # the whole data dir, every blob in it
    other = swtpm_machines("other")  # another machine: another TPM, other seeds
    store = _store(other, copy / "keys")
    try:
        with pytest.raises(TpmError) as signing:
            store.device_key()
        with pytest.raises(TpmError) as hashing:
            IdHasher.from_secrets(store.secrets)
    finally:
        store.close()
    assert signing.value.code == hashing.value.code == "tpm_wrong_machine"
    assert "copied from another machine" in str(signing.value)

    # The uploader on the copy: one line that says why, exit status 2, no traceback.
    config = tmp_path / "b" / "kiosk.toml"
    config.write_text(kiosk.config_path.read_text().replace(str(kiosk.data_dir), str(copy))
                      + f'\n[devices]\ntpm = "{other.uri}"\n', encoding="utf-8")
    result = subprocess.run([console_script("kiosk-uploader"), "--once"], capture_output=True,
                            text=True, timeout=60,
                            env={**kiosk.env(), "KIOSK_CONFIG": str(config)})
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert "tpm_wrong_machine" in output and "copied from another machine" in output
    assert "Traceback" not in output and ID_NUMBER not in output


def test_a_real_machine_refuses_file_keys_and_a_software_tpm(tmp_path: Path) -> None:
    kiosk = write_kiosk_config(tmp_path, "http://127.0.0.1:9")
    env = {k: v for k, v in kiosk.env().items() if k != "KIOSK_SIMULATE"}
    for uri in ("file:", "tpm:swtpm:host=127.0.0.1,port=9"):
        kiosk.config_path.write_text(kiosk.config_path.read_text().split("\n[devices]")[0]
                                     + f'\n[devices]\ntpm = "{uri}"\n', encoding="utf-8")
        result = subprocess.run([console_script("kiosk-uploader"), "--once"],
                                capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == 2
        assert f"devices.tpm: '{uri}' keeps the device key and the ID-number secret in files" \
            in result.stdout
        assert "tpm:device:/dev/tpmrm0" in result.stdout and "Traceback" not in result.stderr
