"""A real software TPM 2.0 (Debian's swtpm) on loopback, for the tests of `hardware.tpm`.

Each `Swtpm` is one "machine": its state dir holds the TPM's seeds, so stopping and starting it
on the same dir is a reboot of the same machine, and a fresh dir is another machine. It listens
on free loopback ports (the command port and, next to it, the control port, where the TSS's
swtpm TCTI looks for it) and is stopped by its own
process id. `--flags not-need-init,startup-clear` makes it usable at once, as after a boot.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.integration.processes import free_port


class SwtpmError(Exception):
    """swtpm is installed but did not start."""


def swtpm_binary() -> str | None:
    return shutil.which("swtpm")


class Swtpm:
    """One swtpm process over `state_dir`; `uri` is what a kiosk's config names."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def uri(self) -> str:
        return f"tpm:swtpm:host=127.0.0.1,port={self.port}"

    def start(self) -> Swtpm:
        binary = swtpm_binary()
        if binary is None:
            raise SwtpmError("swtpm is not installed (scripts/setup.sh installs it)")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(20):  # a free port can be taken between the probe and swtpm's bind
            # The TSS's swtpm TCTI finds the control port at the command port + 1.
            port = free_port()
            ctrl = port + 1
            if ctrl > 65535 or not _free(ctrl):
                continue
            log = (self.state_dir.parent / f"{self.state_dir.name}.log").open("ab")
            process = subprocess.Popen(
                [binary, "socket", "--tpm2", "--tpmstate", f"dir={self.state_dir}",
                 "--server", f"type=tcp,port={port},bindaddr=127.0.0.1",
                 "--ctrl", f"type=tcp,port={ctrl},bindaddr=127.0.0.1",
                 "--flags", "not-need-init,startup-clear"],
                stdout=log, stderr=subprocess.STDOUT,
            )
            log.close()
            if _wait_listening(port, process):
                self.process, self.port = process, port
                return self
            _stop(process)
        raise SwtpmError(f"swtpm did not start; see {self.state_dir.name}.log")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
