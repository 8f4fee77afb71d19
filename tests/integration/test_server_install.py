"""The server installs on its own: `pip install '.[server]'` into a fresh venv, no Kivy, no
OpenCV, and `provincial-api serve` answers /v1/health from there.

Uses the machine's pip configuration (its local index), as `make install` does. About 21 s on
an idle machine, most of it pip: under the suite's bar for the slow marker.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from central_api_client.receipts import DEV_RECEIPT_KEY_FILE
from tests.integration.processes import server_receipt_key

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kiosk", "hardware", "central_api_client", "provincial_api", "provisioning")
LISTENING = re.compile(r"listening on (http://\S+)")


@pytest.mark.timeout(600)
def test_server_extra_installs_and_serves_without_kiosk_dependencies(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: the build writes build/ and egg-info beside it
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, bindir = venv / "bin" / "python", venv / "bin"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", f"{source}[server]"],
                               capture_output=True, text=True, timeout=540)
    assert installed.returncode == 0, installed.stderr[-2000:]

    for module in ("kivy", "cv2", "numpy", "PIL", "sqlite_utils"):
        probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True,
                               text=True, timeout=60)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, module
    helped = subprocess.run([str(bindir / "provincial-api"), "--help"], capture_output=True,
                            text=True, timeout=60)
    assert helped.returncode == 0 and "serve" in helped.stdout

    # As an operator provides it: every acknowledgement is signed with the receipt key.
    server_receipt_key(tmp_path)
    receipt_key = tmp_path / DEV_RECEIPT_KEY_FILE
    server = subprocess.Popen(
        [str(bindir / "provincial-api"), "serve", "--port", "0", "--db",
         str(tmp_path / "x.sqlite"), "--receipt-key", str(receipt_key)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        match = LISTENING.search(first)
        assert match, first
        response = None
        for _ in range(100):
            try:
                response = httpx.get(f"{match.group(1)}/v1/health", timeout=2.0)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None and response.status_code == 200
        assert response.json()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=10)
