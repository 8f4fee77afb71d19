"""emupos, a third-party ESC/POS printer emulator, run as a network receipt printer on loopback.

The project's own fake printer (`tests/escpos/fake_printer.py`) and decoder were written by us
from the command reference, so a misreading of the reference could hide in both. emupos was
written by others, from Epson's reference, with printer profiles (Epson TM-T20III, Xprinter
XP-80T, Rongta RP326): printing on it and reading its own rendering of the receipt is the
check by someone else's eyes. It runs from its own venv (`.venv-emupos`, made by
`scripts/setup.sh` where a Python >= 3.13 exists) as a separate process, never imported: it
brings FastAPI and pydantic, which the kiosk's environment must not load.

The printer speaks on `tcp_port` like a real one; the emulator's control API (HTTP on
`api_port`, loopback only) is the technician's hands: faults on and off, and the receipts it
printed, each a PNG at the profile's dot width.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Literal

from PIL import Image

REPO = Path(__file__).resolve().parents[2]
Fault = Literal["paper-near-end", "paper-out", "cover-open", "offline"]
FAULTS: tuple[Fault, ...] = ("paper-near-end", "paper-out", "cover-open", "offline")
DEVICE = "front"


def find_emupos() -> Path | None:
    """The emupos command: `$EMUPOS`, else the one setup.sh installs, else None."""
    named = os.environ.get("EMUPOS")
    if named:
        return Path(named)
    local = REPO / ".venv-emupos" / "bin" / "emupos"
    if local.is_file():
        return local
    found = shutil.which("emupos")
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class EmuposPrinter:
    """One emulated network receipt printer; `profile` is one of emupos's printer profiles."""

    def __init__(self, emupos: Path, workdir: Path, profile: str = "epson-tm-t20iii") -> None:
        self.emupos = emupos
        self.workdir = workdir
        self.profile = profile
        self.tcp_port = _free_port()
        self.api_port = _free_port()
        self.receipts_dir = workdir / "receipts"
        self.log_path = workdir / "emupos.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"escpos-tcp://127.0.0.1:{self.tcp_port}"

    def start(self, timeout_s: float = 20.0) -> EmuposPrinter:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "emupos.yaml"
        # JSON is YAML: no YAML writer needed in the kiosk's venv.
        config.write_text(json.dumps({
            "schema": 1,
            "api": {"host": "127.0.0.1", "port": self.api_port},
            "devices": [{
                "id": DEVICE, "type": "printer", "profile": self.profile,
                "connections": [{"tcp": {"host": "127.0.0.1", "port": self.tcp_port}}],
                "receipts_dir": str(self.receipts_dir),
            }],
        }), encoding="utf-8")
        log = self.log_path.open("wb")
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
        self._proc = subprocess.Popen([str(self.emupos), "run", "--config", str(config)],
                                      stdout=log, stderr=subprocess.STDOUT, env=env,
                                      cwd=self.workdir)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"emupos exited {self._proc.returncode}: {self.log()}")
            try:
                if self._get("/health")["status"] == "ok":
                    with socket.create_connection(("127.0.0.1", self.tcp_port), timeout=1):
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"emupos did not start in {timeout_s} s: {self.log()}")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> EmuposPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]

    def set_fault(self, fault: Fault, active: bool = True) -> None:
        """What a person does to the printer: open the cover, take out the roll, ..."""
        self._request("PUT" if active else "DELETE", f"/devices/{DEVICE}/faults/{fault}")

    def clear_faults(self) -> None:
        for fault in FAULTS:
            self.set_fault(fault, False)

    def receipt_ids(self) -> list[str]:
        """The receipts it printed, newest first."""
        return [r["id"] for r in self._get(f"/devices/{DEVICE}/receipts")]

    def wait_for_receipt(self, before: list[str], timeout_s: float = 10.0) -> Image.Image:
        """The emulator's picture of the first receipt completed after `before` was taken."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            new = [r for r in self.receipt_ids() if r not in before]
            if new:
                data = self._request("GET", f"/devices/{DEVICE}/receipts/{new[-1]}/image")
                return Image.open(io.BytesIO(data)).convert("1")
            time.sleep(0.05)
        raise AssertionError(f"emupos completed no receipt in {timeout_s} s: {self.log()}")

    def _get(self, path: str) -> Any:
        return json.loads(self._request("GET", path))

    def _request(self, method: str, path: str) -> bytes:
        url = f"http://127.0.0.1:{self.api_port}/api/v1{path}"
        with urllib.request.urlopen(urllib.request.Request(url, method=method),
                                    timeout=5) as answer:
            body: bytes = answer.read()
            return body
