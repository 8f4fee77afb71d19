"""Processes for the demo, the tests and the benchmarks: a virtual screen, the reference API.

Real processes on loopback, started and stopped the same way everywhere, so what the demo shows
is what the tests check.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class VirtualScreen:
    """An Xvfb display for as long as the context lasts; `display` is e.g. ':42'."""

    def __init__(self, width: int = 1920, height: int = 1920) -> None:
        self.size = (width, height)
        self.display = ""
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> VirtualScreen:
        if shutil.which("Xvfb") is None:
            raise RuntimeError("Xvfb is not installed: run `make install` (Debian package xvfb)")
        read_fd, write_fd = os.pipe()
        w, h = self.size
        self._proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{w}x{h}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as reader:
            number = reader.readline().strip()
        if not number:
            self._proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)


class ApiServer:
    """`provincial-api serve --dev-enrol` on a free loopback port with its own database.

    Development enrolment lets a fresh simulated kiosk upload without an operator enrolling
    it first; a real server never runs with it."""

    def __init__(self, db: Path | str, log_path: Path | None = None, *,
                 receipt_key: Path | None = None, workers: int = 1,
                 extra: tuple[str, ...] = ()) -> None:
        """`db`: a SQLite file, or a `postgresql://` URL, which needs `receipt_key`: where
        the development receipt key is made (its public half beside it). `workers`: server
        processes (PostgreSQL only). `extra`: more options of `serve`."""
        if isinstance(db, str) and receipt_key is None:
            raise ValueError("a server on a database URL needs a receipt key path")
        self.db = db
        self.receipt_key = receipt_key
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        self.extra = extra
        self._proc: subprocess.Popen | None = None

    def start(self) -> ApiServer:
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._proc = subprocess.Popen(
            [str(BIN / "provincial-api"), "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--db", str(self.db), "--dev-enrol",
             *(["--receipt-key", str(self.receipt_key)] if self.receipt_key else []),
             *(["--workers", str(self.workers)] if self.workers > 1 else []), *self.extra],
            stdout=out, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"provincial-api exited with {self._proc.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("provincial-api did not answer within 30 s")

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs (the benchmarks read its CPU time)."""
        return self._proc.pid if self._proc is not None else None

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def import_candidates(self, csv_path: Path) -> str:
        """`provincial-api candidates import` into this server's database; what it printed."""
        done = subprocess.run([str(BIN / "provincial-api"), "candidates", "import",
                               str(csv_path), "--db", str(self.db)], capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"candidates import failed: {done.stderr.strip()[-500:]}")
        return done.stdout.strip()

    @property
    def receipt_public_key(self) -> Path:
        """The public half of the development receipt key the server makes beside its db."""
        from central_api_client.receipts import DEV_RECEIPT_PUBLIC_KEY_FILE
        from provincial_api.receipt_signer import public_key_path

        if self.receipt_key is not None:
            return public_key_path(self.receipt_key)
        assert isinstance(self.db, Path)
        return self.db.parent / DEV_RECEIPT_PUBLIC_KEY_FILE

    def record(self, record_id: str) -> dict | None:
        """What the server holds for a record (metadata), read from its database: the API
        shows a record only to the device that signed it."""
        from dataclasses import asdict

        from provincial_api.sqlite_store import SqliteStore

        if not isinstance(self.db, Path) or not self.db.exists():
            return None
        store = SqliteStore(self.db)
        # Records are keyed by (id, device); a development server's kiosks never share an id.
        for device_id in store.holders(record_id):
            stored = store.get(record_id, device_id)
            if stored is not None:
                return asdict(stored)
        return None


def write_kiosk_config(path: Path, data_dir: Path, api_url: str, receipt_key: Path | None = None,
                       **sections: dict) -> Path:
    """A machine config for a simulated kiosk; `receipt_key`: the server's receipt public key
    (`ApiServer.receipt_public_key`); `sections` override e.g. session={...}."""
    receipt = [f"receipt_public_key = {_toml_value(str(receipt_key))}"] if receipt_key else []
    lines = [f'data_dir = "{data_dir}"', "", "[api]", f'base_url = "{api_url}"', *receipt, ""]
    sections = {**sections, "upload": {"interval_s": 0.5, **sections.get("upload", {})}}
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def kiosk_command(config: Path, *args: str) -> list[str]:
    return [str(BIN / "kiosk"), "--simulate", "--config", str(config), *args]
