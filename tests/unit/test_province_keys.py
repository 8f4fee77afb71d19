"""Where the kiosk's province keys and staff CA come from: the applied bundle when it names
them, else the machine's files (kiosk/province_keys.py, kiosk/central_config.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from central_api_client.config_bundle import (
    BundleError,
    ConfigBundle,
    KeyPair,
    WorkflowSpec,
    bundle_to_bytes,
)
from central_api_client.opening import SealError
from kiosk.central_config import CURRENT, applicable, central_dir, live_bundle, staff_ca_pem
from kiosk.config import Config, parse_config
from kiosk.province_keys import ProvinceKeys
from kiosk.seal import PROVINCE_PUBLIC_KEY_FILE
from provisioning.selftest import check_staff_ca

STEPS = ("card", "identity", "photo", "check", "sign", "print", "done")


def pem(key: object) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()  # type: ignore[attr-defined]


def bundle(version: int = 2, **fields: object) -> ConfigBundle:
    return replace(ConfigBundle(version, datetime(2099, 1, 1, tzinfo=UTC),
                                {"collect": WorkflowSpec(STEPS)}), **fields)


def install(config: Config, b: ConfigBundle) -> None:
    """What the updater does once TUF accepted a bundle."""
    folder = central_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CURRENT).write_bytes(bundle_to_bytes(b))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(f'data_dir = "{tmp_path}"\n')


def test_without_a_bundle_the_keys_folder_and_kiosk_toml_keys_are_used(config):
    config.keys_dir.mkdir(parents=True)
    sealing = X25519PrivateKey.generate().public_key()
    receipt = Ed25519PrivateKey.generate()
    (config.keys_dir / PROVINCE_PUBLIC_KEY_FILE).write_text(pem(sealing))
    keys = ProvinceKeys(config, live_bundle(config))
    with pytest.raises(SealError):
        keys.receipt_keys()  # nothing could prove a record delivered
    config.receipt_key_path.write_text(pem(receipt.public_key()))
    assert keys.sealing_key() == sealing
    keys.verify(receipt.sign(b"m"), b"m")


def test_the_bundle_s_keys_win_and_a_rotation_accepts_old_and_new_receipt_keys(config):
    config.keys_dir.mkdir(parents=True)
    (config.keys_dir / PROVINCE_PUBLIC_KEY_FILE).write_text(
        pem(X25519PrivateKey.generate().public_key()))
    s1, s2 = (X25519PrivateKey.generate().public_key() for _ in range(2))
    r1, r2, stranger = (Ed25519PrivateKey.generate() for _ in range(3))
    keys = ProvinceKeys(config, live_bundle(config))
    install(config, bundle(2, sealing_key=KeyPair(pem(s1), pem(s2)),
                           receipt_key=KeyPair(pem(r1.public_key()))))
    assert keys.sealing_key() == s1  # `next` is only announced
    keys.verify(r1.sign(b"m"), b"m")
    with pytest.raises(InvalidSignature):
        keys.verify(r2.sign(b"m"), b"m")

    install(config, bundle(3, sealing_key=KeyPair(pem(s2)),
                           receipt_key=KeyPair(pem(r1.public_key()), pem(r2.public_key()))))
    assert keys.sealing_key() == s2
    keys.verify(r1.sign(b"m"), b"m")
    keys.verify(r2.sign(b"m"), b"m")
    with pytest.raises(InvalidSignature):
        keys.verify(stranger.sign(b"m"), b"m")


def test_a_bundle_with_a_key_of_the_wrong_kind_is_not_applicable():
    receipt = pem(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(BundleError, match="keys.sealing.current"):
        applicable(bundle(sealing_key=KeyPair(receipt)))
    sealing = pem(X25519PrivateKey.generate().public_key())
    with pytest.raises(BundleError, match="keys.receipt.next"):
        applicable(bundle(receipt_key=KeyPair(receipt, sealing)))


def _ca_pem() -> str:
    key = generate_private_key(SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Synthetic staff CA")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2099, 1, 1, tzinfo=UTC))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(Encoding.PEM).decode()


def test_the_staff_ca_is_the_bundle_s_and_selftest_reports_it_installed(config):
    assert staff_ca_pem(config) is None
    assert check_staff_ca(config).level == "warn"
    ca = _ca_pem()
    install(config, bundle(staff_ca=ca))
    assert staff_ca_pem(config) == ca.encode()
    x509.load_pem_x509_certificate(staff_ca_pem(config) or b"")
    check = check_staff_ca(config)
    assert (check.level, check.summary) == ("ok", "installed from the signed configuration")
