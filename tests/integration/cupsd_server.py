"""A private CUPS scheduler for the tests: its own ServerRoot, spool, temp and log folders, and a
Unix socket in /tmp; clients find it through CUPS_SERVER. Nothing of the machine's own CUPS
is read or changed.

Queues are file queues with cups-filters' Generic PDF PPD (a raw queue cannot use a file
device; `FileDevice Yes` allows them). Two facts of CUPS 2.4 shape this: filters run as user
`lp` when cupsd runs as root, so every folder on the way must be reachable by `lp`
(tempfile's 0700 folders are not); and the scheduler opens a file device's output with
O_WRONLY|O_EXCL and, in some builds, no O_CREAT, so the output file is made before a job is
printed to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

PDF_PPD = Path("/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd")
KIOSK_CUPSD_CONF = Path(__file__).resolve().parents[2] / "packaging" / "cups" / "cupsd-kiosk.conf"
SETUP_HINT = "run scripts/setup.sh (Debian: cups-daemon cups-client cups-filters poppler-utils)"

_CUPSD_CONF = """\
Listen {socket}
LogLevel info
WebInterface No
Browsing No
DefaultPolicy open
<Policy open>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
<Location />
  Order allow,deny
  Allow all
</Location>
"""
_FILES_CONF = """\
ServerRoot {root}/etc
RequestRoot {root}/spool
TempDir {root}/tmp
CacheDir {root}/cache
StateDir {root}/state
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
FileDevice Yes
"""


class CupsdError(RuntimeError):
    pass


@dataclass(frozen=True)
class FileQueue:
    name: str
    output: Path  # every job on this queue overwrites it

    def read(self) -> bytes:
        return self.output.read_bytes()


def find_cupsd() -> str | None:
    return shutil.which("cupsd") or next(
        (p for p in ("/usr/sbin/cupsd", "/sbin/cupsd") if os.access(p, os.X_OK)), None)


class PrivateCupsd:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-cupsd-", dir="/tmp"))
        self.socket = self.root / "cups.sock"
        self.env = {**os.environ, "CUPS_SERVER": str(self.socket), "LC_ALL": "C", "LANG": "C"}
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 15.0) -> PrivateCupsd:
        cupsd = find_cupsd()
        missing = [t for t in ("lp", "lpstat", "lpadmin", "pdftotext") if not shutil.which(t)]
        if cupsd is None or missing or not PDF_PPD.is_file():
            raise CupsdError(f"CUPS is not installed ({', '.join(missing) or 'cupsd/PPD'}"
                             f" missing): {SETUP_HINT}")
        self.root.chmod(0o755)
        for name, mode in (("etc", 0o755), ("spool", 0o710), ("tmp", 0o1777), ("cache", 0o755),
                           ("state", 0o755), ("log", 0o755), ("out", 0o777)):
            (self.root / name).mkdir()
            (self.root / name).chmod(mode)
        conf = self.root / "etc" / "cupsd.conf"
        files = self.root / "etc" / "cups-files.conf"
        # The kiosk's own settings (what scripts/install.sh merges into a machine's cupsd.conf).
        conf.write_text(_CUPSD_CONF.format(socket=self.socket) + KIOSK_CUPSD_CONF.read_text())
        files.write_text(_FILES_CONF.format(root=self.root))
        args = [cupsd, "-c", str(conf), "-s", str(files)]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise CupsdError(f"cupsd -t refused the test config: {check.stderr.strip()}")
        self._proc = subprocess.Popen([*args, "-f"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise CupsdError(f"cupsd exited with {self._proc.returncode}: {self.log()}")
            if "scheduler is running" in self.run("lpstat", "-r", check=False).stdout:
                return self
            time.sleep(0.05)
        raise CupsdError(f"cupsd did not answer within {timeout_s} s: {self.log()}")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), capture_output=True, text=True, env=self.env)
        if check and done.returncode != 0:
            raise CupsdError(f"{' '.join(args)}: {done.stdout}{done.stderr}")
        return done

    def add_file_queue(self, name: str | None = None, *, create_output: bool = True) -> FileQueue:
        """A new queue printing to its own file; without `create_output` the file's folder does
        not exist, so the scheduler cannot open it and stops every job (held for ever: the
        job neither prints nor fails). Some builds create a missing file, none a folder."""
        name = name or f"a4-{uuid.uuid4().hex[:8]}"
        output = self.root / "out" / ("" if create_output else "missing") / f"{name}.pdf"
        if create_output:
            output.touch()
            output.chmod(0o666)
        self.run("lpadmin", "-p", name, "-E", "-v", f"file://{output}", "-P", str(PDF_PPD))
        return FileQueue(name, output)

    def pending(self, queue: str) -> str:
        return self.run("lpstat", "-o", queue, check=False).stdout

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
