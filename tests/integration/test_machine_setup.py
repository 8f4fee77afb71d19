"""A technician sets up a machine alone, against a software TPM and the reference server on
loopback, with the commands the README gives in order: a token from the province,
`kioskctl enrol`, `kioskctl selftest`, then a candidate's whole journey in the kiosk's window
and its record uploaded with requests signed in the TPM, opened by the province.

The server takes no key file (only a key that says it lives in a TPM) and enrols nothing by
itself. Every device but the TPM is simulated, so the kiosk programs run with --simulate (a
software TPM is itself refused on a real machine: its state is a file on the same disk).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from central_api_client.device_keys import algorithm_of, load_device_public_key
from devtools.play import command as play_command
from provisioning.devrun import BIN, write_kiosk_config
from tests.integration.processes import console_script, start_server
from tests.integration.swtpm_server import Swtpm


def _province_seal_pair(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    private = X25519PrivateKey.generate()
    (folder / "seal.pem").write_bytes(private.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    (folder / "seal.pub.pem").write_bytes(private.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return folder / "seal.pem", folder / "seal.pub.pem"


def _run(*argv: str, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env=env or dict(os.environ))


def test_a_technician_sets_up_a_machine_with_a_tpm_alone(tmp_path: Path, swtpm: Swtpm,
                                                          virtual_screen) -> None:
    seal_private, seal_public = _province_seal_pair(tmp_path / "province-keys")
    server = start_server(tmp_path / "province" / "api.sqlite", dev_enrol=False,
                          extra=("--seal-public-key", str(seal_public)))
    try:
        province = console_script("provincial-api")
        issued = _run(province, "tokens", "issue", "--county", "4301", "--point", "示例县一中",
                      "--db", str(server.db), "--receipt-key", str(server.receipt_public_key))
        assert issued.returncode == 0, issued.stderr
        token = issued.stdout.strip()

        data = tmp_path / "kiosk-data"
        config = write_kiosk_config(tmp_path / "kiosk.toml", data, server.url, None,
                                    devices={"tpm": swtpm.uri},
                                    session={"countdown_s": 1, "notice_dwell_s": 3.0,
                                             "done_dwell_s": 5.0})
        env = {**os.environ, "KIOSK_ENROL_TOKEN": token}
        kioskctl = str(BIN / "kioskctl")

        enrolled = _run(kioskctl, "--simulate", "enrol", "--api", server.url, "--config",
                        str(config), env=env)
        assert enrolled.returncode == 0, enrolled.stderr
        assert "enrolled as HN-4301-0001" in enrolled.stdout
        registered = server_device_key(server.db, "HN-4301-0001")
        assert algorithm_of(registered) == "ecdsa-p256-sha256"  # the TPM's key, not a file's

        tested = _run(kioskctl, "--simulate", "selftest", "--config", str(config), "--json",
                      "--camera-seconds", "0.5")
        assert tested.returncode == 0, tested.stdout + tested.stderr
        report = json.loads(tested.stdout)
        levels = {c["part"]: c["level"] for c in report["checks"]}
        for part in ("ID card reader", "camera", "fill light", "receipt printer", "disk",
                     "clock", "device accepted", "device key", "enrolment"):
            assert levels[part] == "ok", (part, report)
        # What later work installs (an A4 queue here, the signed config, the staff CA) warns.
        assert {p for p, level in levels.items() if level != "ok"} <= {
            "A4 printer", "signed configuration", "staff CA"}

        played = subprocess.run(
            play_command(BIN / "python", config, "journey", "--no-uploader"),
            env={**os.environ, "DISPLAY": virtual_screen.display},
            capture_output=True, text=True, timeout=180)
        assert played.returncode == 0, played.stdout[-3000:]
        uploaded = _run(str(BIN / "kiosk-uploader"), "--simulate", "--once", "--config",
                        str(config))
        assert uploaded.returncode == 0, uploaded.stdout[-2000:] + uploaded.stderr[-2000:]

        with sqlite3.connect(server.db) as conn:
            held = conn.execute("SELECT record_id, device_id FROM records").fetchall()
        assert len(held) == 1 and held[0][1] == "HN-4301-0001"
        opened = _run(province, "open", held[0][0], "--key", str(seal_private), "--db",
                      str(server.db))
        assert opened.returncode == 0, opened.stderr
        payload = json.loads(opened.stdout)
        assert payload["sequence_number"] == "43010001"  # the first of its enrolled range
    finally:
        server.stop()


def server_device_key(db: Path, device_id: str):
    with sqlite3.connect(db) as conn:
        (raw,) = conn.execute("SELECT public_key FROM devices WHERE device_id = ?",
                              (device_id,)).fetchone()
    return load_device_public_key(bytes(raw))
