"""The signed configuration from enrolment to the kiosk: the province's server hands out the
repository's first root with the enrolment answer and serves the admins' repository at /tuf
(never its online key); `kioskctl config update` on the enrolled machine applies the bundle."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from kiosk.config import load_config
from tests.integration.processes import console_script, start_server
from tests.integration.signed_config import BASE_TOML, Admins


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=env or dict(os.environ))


def test_enrolment_installs_the_root_and_the_kiosk_fetches_its_config_from_the_province(
        tmp_path: Path) -> None:
    admins = Admins(tmp_path / "admins")
    admins.init(["alice", "bob"], 2)
    admins.sign("alice")
    admins.sign("bob")
    admins.publish(BASE_TOML, ["alice", "bob"])
    root = admins.repo / "metadata" / "1.root.json"
    server = start_server(tmp_path / "province" / "api.sqlite", dev_enrol=False, extra=(
        "--allow-file-keys", "--tuf-repo", str(admins.repo), "--trust-root", str(root)))
    try:
        for secret in ("online-keys", "../admins/alice.key"):
            try:
                urllib.request.urlopen(f"{server.url}/tuf/{secret}", timeout=5)
                raise AssertionError(f"{secret} was served")
            except urllib.error.HTTPError as exc:
                assert exc.code == 404
        issued = _run(console_script("provincial-api"), "tokens", "issue", "--county", "4301",
                      "--point", "P", "--db", str(server.db),
                      "--receipt-key", str(server.receipt_public_key))
        assert issued.returncode == 0, issued.stderr
        config_path = tmp_path / "kiosk.toml"
        config_path.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
        kioskctl = console_script("kioskctl")
        env = {**os.environ, "KIOSK_ENROL_TOKEN": issued.stdout.strip()}
        enrolled = _run(kioskctl, "--simulate", "enrol", "--api", server.url, "--config",
                        str(config_path), env=env)
        assert enrolled.returncode == 0, enrolled.stderr
        config = load_config(config_path)
        assert config.config.repository_url == f"{server.url}/tuf"
        assert Path(config.config.trust_root).read_bytes() == root.read_bytes()

        updated = _run(kioskctl, "--simulate", "config", "update", "--config",
                       str(config_path), "--json")
        assert updated.returncode == 0, updated.stdout + updated.stderr
        status = _run(kioskctl, "--simulate", "config", "status", "--config",
                      str(config_path), "--json")
        assert json.loads(status.stdout)["version"] == 2
    finally:
        server.stop()
