"""A private pcscd with vsmartcard's vpcd, and the project's PIV card emulator to insert in it:
for the tests (tests/integration/pcsc_server.py) and `kiosk --simulate`.

Several test runs share this machine, and a system pcscd may hold `/run/pcscd`. pcsc-lite 1.9.9's
client library reads `PCSCLITE_CSOCK_NAME` for the daemon's socket, but the daemon itself does
not (checked: the string is only in libpcsclite, and `pcscd -f` creates and at exit *empties*
`/run/pcscd`). So each run's pcscd gets its own mount namespace (`unshare --mount`, with
`--map-root-user` when not root) in which a private folder is bind-mounted over `/run/pcscd`;
its socket is then that folder's `pcscd.comm`, which this process names in
`PCSCLITE_CSOCK_NAME`. Its reader comes from a private config dir (`pcscd -c`) whose vpcd line
listens on free ports (vpcd's DEVICENAME `/dev/null:PORT`; the second slot takes PORT+1).
Nothing outside the namespace changes, and the daemon is stopped by its own process id.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from hardware.staffcard.sim.vpcd import VirtualCard

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER_NAME = "Virtual PCD 00 00"


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies, so a killed
    kiosk or test run leaves no pcscd behind (unshare and sh exec, so the setting reaches
    pcscd itself)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class PcscError(Exception):
    """pcscd and vpcd are installed but did not come up."""


def missing_packages() -> str | None:
    """Why the private pcscd cannot run here, or None."""
    if shutil.which("pcscd") is None:
        return "pcscd is not installed: run scripts/setup.sh (apt-get install pcscd)"
    if not VPCD_DRIVER.exists():
        return "vpcd is not installed: run scripts/setup.sh (apt-get install vsmartcard-vpcd)"
    if shutil.which("unshare") is None:
        return "unshare is not installed: run scripts/setup.sh (util-linux)"
    return None


def _two_free_ports() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("", 0))
            port = a.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as b:
                try:
                    b.bind(("", port + 1))
                except OSError:
                    continue
                return port
    raise PcscError("no two free neighbouring ports for vpcd")


class PrivatePcscd:
    """One pcscd with one vpcd reader (`reader_uri`), and one card slot to insert into."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pcscd-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.card: VirtualCard | None = None

    @property
    def socket_path(self) -> Path:
        return self.dir / "run" / "pcscd.comm"

    @property
    def reader_uri(self) -> str:
        return f"pcsc://{READER_NAME}"

    @property
    def env(self) -> dict[str, str]:
        """What a child process (kioskctl, the kiosk) needs to reach this pcscd."""
        return {**os.environ, "PCSCLITE_CSOCK_NAME": str(self.socket_path)}

    def start(self) -> PrivatePcscd:
        """Start pcscd; a vpcd port taken between the probe and vpcd's bind (another run)
        shows as "init failed" in its log: then again on other ports."""
        conf, run = self.dir / "conf", self.dir / "run"
        conf.mkdir()
        run.mkdir()
        for _ in range(5):
            self.port = _two_free_ports()
            if self._start_once(conf, run):
                os.environ["PCSCLITE_CSOCK_NAME"] = str(self.socket_path)
                return self
        log = (self.dir / "pcscd.log").read_text(errors="replace")
        self.stop()
        raise PcscError(f"pcscd with vpcd did not start: {log[-800:]}")

    def _start_once(self, conf: Path, run: Path) -> bool:
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:{self.port}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x8C7B\n")
        flags = ["--mount", "--propagation", "private"]
        if os.getuid() != 0:
            flags.insert(0, "--map-root-user")
        script = ('mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && '
                  'exec pcscd --foreground --config "$2"')
        log_path = self.dir / "pcscd.log"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                ["unshare", *flags, "sh", "-c", script, "pcscd", str(run), str(conf)],
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 10
        while not self.socket_path.exists():  # pcscd makes it after its readers
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._stop_daemon()
                return False
            time.sleep(0.02)
        if b"init failed" in log_path.read_bytes():
            self._stop_daemon()
            return False
        return True

    def restart(self) -> None:
        """pcscd stopped and started again on the same socket (an upgrade, a crash): the card
        in the reader falls out with it."""
        if self.card is not None:
            self.card.remove()
            self.card = None
        self._stop_daemon()
        for _ in range(5):
            self.port = _two_free_ports()
            if self._start_once(self.dir / "conf", self.dir / "run"):
                return
        raise PcscError("pcscd did not start again")

    def insert(self, card_state_file: Path) -> None:
        """Put the card whose state is in this file into the reader; returns once pcscd sees
        it. Pulls out any card already there."""
        self.remove()
        self.card = VirtualCard(card_state_file, self.port)
        self.card.insert()
        self.wait_for(present=True)

    def remove(self) -> None:
        """Pull the card out; returns once pcscd sees the reader empty."""
        if self.card is not None:
            self.card.remove()
            self.card = None
            self.wait_for(present=False)

    def wait_for(self, *, present: bool) -> None:
        from smartcard import scard

        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise PcscError("cannot reach the private pcscd")
        try:
            states = [(READER_NAME, scard.SCARD_STATE_UNAWARE)]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                hresult, states = scard.SCardGetStatusChange(context, 500, states)
                if hresult not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
                    raise PcscError(f"pcscd: {scard.SCardGetErrorMessage(hresult)}")
                state = states[0][1]
                if bool(state & scard.SCARD_STATE_PRESENT) == present:
                    return
                states = [(READER_NAME, state & ~scard.SCARD_STATE_CHANGED)]
            raise PcscError(f"pcscd never saw the card {'inserted' if present else 'removed'}")
        finally:
            scard.SCardReleaseContext(context)

    def stop(self) -> None:
        if self.card is not None:
            self.card.remove()
            self.card = None
        self._stop_daemon()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _stop_daemon(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
