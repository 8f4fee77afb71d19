"""Real processes for the records pipeline: the reference server, and the kiosk's config file."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from central_api_client.opening import load_public_pem
from central_api_client.receipts import DEV_RECEIPT_KEY_FILE, DEV_RECEIPT_PUBLIC_KEY_FILE

BIN = Path(sys.executable).parent
LISTENING = re.compile(r"listening on (http://\S+)")


def console_script(name: str) -> str:
    """The venv's entry point, so the test runs what `pip install -e .` installed."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {BIN}: run `make install`")
    return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    db: Path
    lines: list[str] = field(default_factory=list)
    receipt_dir: Path | None = None

    @property
    def receipt_public_key(self) -> Path:
        """The public half of the receipt key the server signs with."""
        return (self.receipt_dir or self.db.parent) / DEV_RECEIPT_PUBLIC_KEY_FILE

    def receipt_key(self) -> Ed25519PublicKey:
        """That key, loaded, for a test's own client."""
        key: Ed25519PublicKey = load_public_pem(self.receipt_public_key, Ed25519PublicKey)
        return key


    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode


def server_receipt_key(folder: Path) -> Path:
    """The receipt key a test server in `folder` signs with (made once, as `serve --dev-enrol`
    makes its own); returns the public half's path, for the kiosks' configs."""
    from provincial_api.receipt_signer import load_receipt_key

    load_receipt_key(folder / DEV_RECEIPT_KEY_FILE, create=True)
    return folder / DEV_RECEIPT_PUBLIC_KEY_FILE


def throwaway_receipt_key(folder: Path) -> Path:
    """A receipt public key no server holds the private half of (nothing verifies with it)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    path = folder / "throwaway_receipt.pub.pem"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return path


def start_server(
    db: Path, port: int = 0, timeout_s: float = 20.0, *, dev_enrol: bool = True,
    extra: tuple[str, ...] = (), receipt_dir: Path | None = None,
) -> Server:
    """`provincial-api serve` as its own process; returns once /v1/health answers. It signs
    receipts with the key `server_receipt_key` made in `receipt_dir` (default: beside a SQLite
    `db`; give one for a PostgreSQL URL), see `Server.receipt_public_key`."""
    receipt_dir = receipt_dir or Path(db).parent
    server_receipt_key(receipt_dir)
    args = ["serve", "--port", str(port), "--db", str(db), "--receipt-key",
            str(receipt_dir / DEV_RECEIPT_KEY_FILE), *extra]
    if dev_enrol:
        args.append("--dev-enrol")
    process = subprocess.Popen(
        [console_script("provincial-api"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:  # keeps the pipe drained so the server never blocks on its own logs
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    url = None
    while url is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or process.poll() is not None:
            process.kill()
            pytest.fail("provincial-api did not start:\n" + "".join(seen[-20:]))
        try:
            match = LISTENING.search(lines.get(timeout=remaining))
        except queue.Empty:
            continue
        url = match.group(1) if match else None
    server = Server(process, url, db, seen, receipt_dir)
    while True:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            pytest.fail("provincial-api never answered /v1/health:\n" + "".join(seen[-20:]))
        time.sleep(0.05)


@dataclass(frozen=True)
class KioskEnv:
    """A kiosk's data dir and the TOML config pointing the uploader at it."""

    data_dir: Path
    config_path: Path

    def env(self) -> dict[str, str]:
        """A simulated kiosk's: its development keys are allowed (kiosk.startup)."""
        return {**os.environ, "KIOSK_CONFIG": str(self.config_path), "KIOSK_SIMULATE": "1"}


def write_kiosk_config(tmp_path: Path, base_url: str, interval_s: float = 2.0,
                       receipt_key: Path | None = None) -> KioskEnv:
    """A kiosk config pointing at `base_url`, trusting `receipt_key` (a server's
    `receipt_public_key`); None: a throwaway key, for a server that is never reached."""
    if receipt_key is None:
        receipt_key = throwaway_receipt_key(tmp_path)
    data_dir = tmp_path / "kiosk-data"
    config_path = tmp_path / "kiosk.toml"
    config_path.write_text(
        f'data_dir = "{data_dir}"\n\n'
        '[device]\nid = "SIM-0001"\ncounty_code = "4301"\n\n'
        f'[api]\nbase_url = "{base_url}"\ntimeout_s = 5.0\n'
        f'receipt_public_key = "{receipt_key}"\n\n'
        f"[upload]\ninterval_s = {interval_s}\nbatch_size = 2\n",
        encoding="utf-8",
    )
    return KioskEnv(data_dir, config_path)


ZYGOTE = Path(__file__).with_name("kill_zygote.py")


class Zygote:
    """The forking helper of `kill_zygote.py`: warm children of the kiosk's real programs."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ZYGOTE)], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lock = threading.Lock()

    def spawn(self, kind: str, config: Path, out: Path) -> int:
        """Fork a `saver` or an `uploader` on `config`, its stdout to `out`; its pid."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self.lock:
            self.proc.stdin.write(f"{kind} {config} {out}\n")
            self.proc.stdin.flush()
            return int(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def kill_and_wait(pid: int, timeout_s: float = 10.0) -> None:
    """SIGKILL `pid` and return once it is gone (the zygote's children are reaped by the
    kernel, so `kill(pid, 0)` failing means the process no longer exists)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"process {pid} outlived SIGKILL")
        time.sleep(0.001)
