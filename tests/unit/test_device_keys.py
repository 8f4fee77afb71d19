"""Device keys of either kind (Ed25519 files, a TPM's P-256) on both sides of the wire, without a
TPM: P-256 keys in memory sign as a TPM does (raw r||s). The algorithm always follows the key
the registry holds, never what a request or record claims."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from central_api_client.device_keys import (
    Ed25519Signer,
    P256Signer,
    canonical_device_key,
    device_public_key_bytes,
    load_device_public_key,
)
from central_api_client.records import RecordInvalidError
from central_api_client.signing import SignatureProblem, sign_request, verify_request
from hardware.tpm import TpmError, open_key_store
from kiosk.core.simulation import real_machine_refusals
from kiosk.seal import Sealer
from kiosk.visits import IdHasher
from provincial_api.app import create_app
from provincial_api.sqlite_registry import SqliteRegistry
from tests.synthetic_records import make_record

URL = "http://testserver/v1/devices/SIM-0001/records"


def _p256() -> P256Signer:
    return P256Signer(ec.generate_private_key(ec.SECP256R1()))


def test_a_p256_signature_is_64_raw_bytes_that_cryptography_verifies() -> None:
    signer = _p256()
    signature = signer.sign(b"message")
    assert len(signature) == 64
    from central_api_client.device_keys import p256_der_signature

    signer.public_key().verify(p256_der_signature(signature), b"message",
                               ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("make", [_p256, lambda: Ed25519Signer(Ed25519PrivateKey.generate())])
def test_a_request_verifies_with_the_registered_key_of_either_kind(make) -> None:
    signer = make()
    headers = sign_request(signer, "SIM-0001", "GET", URL, b"")
    assert f'alg="{signer.algorithm}"' in headers["signature-input"]
    verify_request(signer.public_key(), "GET", URL, headers, b"")


def test_the_algorithm_follows_the_registered_key_not_the_request() -> None:
    p256, ed = _p256(), Ed25519Signer(Ed25519PrivateKey.generate())
    for signer, registered in ((p256, ed.public_key()), (ed, p256.public_key())):
        headers = sign_request(signer, "SIM-0001", "GET", URL, b"")
        with pytest.raises(SignatureProblem) as info:
            verify_request(registered, "GET", URL, headers, b"")
        assert info.value.code == "bad_signature"
    # A P-256 signature relabelled as Ed25519 is not checked as Ed25519 either.
    headers = sign_request(p256, "SIM-0001", "GET", URL, b"")
    headers["signature-input"] = headers["signature-input"].replace(
        "ecdsa-p256-sha256", "ed25519")
    with pytest.raises(SignatureProblem):
        verify_request(p256.public_key(), "GET", URL, headers, b"")


def test_a_record_sealed_with_a_p256_key_verifies_and_a_der_signature_does_not(
        tmp_path: Path) -> None:
    signer = _p256()
    sealed = Sealer.from_keys_dir(tmp_path, "SIM-0001", device_key=signer).seal(
        make_record(photo_bytes=500))
    assert len(sealed.signature) == 64
    sealed.verify(signer.public_key())
    with pytest.raises(RecordInvalidError):
        sealed.verify(Ed25519PrivateKey.generate().public_key())
    from dataclasses import replace

    from central_api_client.device_keys import p256_der_signature

    der = replace(sealed, signature=p256_der_signature(sealed.signature))
    with pytest.raises(RecordInvalidError, match="64 bytes"):
        der.verify(signer.public_key())


def test_the_registry_holds_either_kind_in_one_canonical_form(tmp_path: Path) -> None:
    p256 = _p256().public_key()
    pem = p256.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    registry = SqliteRegistry(tmp_path / "server.sqlite")
    assert registry.add("TPM-1", pem, "t", "operator") is True
    assert registry.add("TPM-1", device_public_key_bytes(p256), "t", "operator") is False
    device = registry.get("TPM-1")
    assert device is not None and device.key() == p256
    ed = Ed25519PrivateKey.generate().public_key()
    registry.add("FILE-1", device_public_key_bytes(ed), "t", "operator")
    assert len(registry.get("FILE-1").public_key) == 32  # as Ed25519 keys always were
    with pytest.raises(ValueError):
        registry.add("P384", ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
            "t", "operator")
    assert load_device_public_key(canonical_device_key(pem)) == p256
    registry.close()


def test_a_p256_device_uploads_through_the_server(tmp_path: Path) -> None:
    from central_api_client.client import DeviceAuth, ProvincialApiClient

    signer = _p256()
    db = tmp_path / "server.sqlite"
    sealer = Sealer.from_keys_dir(tmp_path / "keys", "SIM-0001", device_key=signer)
    SqliteRegistry(db).add("SIM-0001", sealer.device_public_key_bytes(), "t", "operator")
    with TestClient(create_app(db), raise_server_exceptions=False) as http:
        client = ProvincialApiClient("http://testserver", http=http,
                                     receipt_key=http.app.state.receipts.public_key,
                                     auth=DeviceAuth("SIM-0001", signer, send_public_key=False))
        assert client.put_record(sealer.seal(make_record(photo_bytes=500))).created


def test_a_real_machine_refuses_file_keys_and_a_software_tpm_but_not_a_tpm() -> None:
    refusals = real_machine_refusals(
        {"tpm": "file:"}, []) + real_machine_refusals({"tpm": "tpm:swtpm:port=1"}, [])
    assert [r.setting for r in refusals] == ["devices.tpm", "devices.tpm"]
    assert all("tpm:device:/dev/tpmrm0" in r.fix for r in refusals)
    assert real_machine_refusals({"tpm": "tpm:device:/dev/tpmrm0"}, []) == []
    assert real_machine_refusals({"tpm": ""}, [])[0].problem == "not configured"


@pytest.mark.parametrize("uri", ["", "tpm:", "tpm:nonsense:x", "pkcs11:"])
def test_a_key_store_uri_that_names_no_tpm_is_refused(uri: str, tmp_path: Path) -> None:
    with pytest.raises(TpmError) as info:
        open_key_store(uri, tmp_path)
    assert info.value.code == "tpm_unavailable"


def test_the_file_secret_is_the_hash_secret_it_always_was(tmp_path: Path) -> None:
    old = IdHasher.from_keys_dir(tmp_path).digest("11010519491231002X")
    store = open_key_store("file:", tmp_path)
    assert IdHasher.from_secrets(store.secrets).digest("11010519491231002X") == old
    with pytest.raises(TpmError) as info:
        store.device_key()  # the file store makes a key only when asked to
    assert info.value.code == "tpm_key_missing"
