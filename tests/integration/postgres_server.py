"""A throwaway PostgreSQL cluster for the tests: initdb into a temp dir, pg_ctl on loopback.

Real PostgreSQL, no mocks: the `postgres` backend is tested against the server it will meet.
The cluster listens on a free 127.0.0.1 port and on a unix socket inside its own directory, so
it never touches a system cluster. initdb and postgres refuse to run as root, so as root the
cluster belongs to `nobody` (the process runs with that uid; no runuser/su needed), in a
directory made outside pytest's root-only temp tree so that user can reach it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USER = "kiosk"
PASSWORD = "pg-test-secret"  # so tests can check the password never shows in output
START_ATTEMPTS = 3  # a free port can be taken by someone else between the probe and the start


class ClusterError(Exception):
    """The binaries are there but the cluster would not start: the tests fail, with why."""


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: PATH first, else Debian's versioned dir (newest wins).

    Debian's `postgresql` package keeps them out of PATH, in /usr/lib/postgresql/N/bin.
    """
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")
                  if (p.parent / "pg_ctl").exists()]
    candidates.sort(key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    return candidates[-1] if candidates else None


@dataclass
class PostgresCluster:
    bin_dir: Path
    root: Path
    port: int
    run_as: dict[str, Any]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """A fresh, empty database (one per test keeps tests independent); its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self) -> None:
        """As an operator's restart: every client connection is cut."""
        self._pg_ctl("restart", "-m", "fast", "-w", "-t", "30", "-l", str(self.log_path),
                     "-o", self._options())

    def _options(self) -> str:
        return f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"

    def stop(self) -> None:
        if self.data_dir.exists():
            self._pg_ctl("stop", "-m", "immediate", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return "(no server log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args,
                         check=check)

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                                env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"},
                                **self.run_as)
        if check and result.returncode != 0:
            raise ClusterError(f"{Path(argv[0]).name} failed ({result.returncode}):\n"
                               f"{result.stdout[-1500:]}{result.stderr[-1500:]}")
        return result


def start_cluster(bin_dir: Path) -> PostgresCluster:
    """initdb and start a cluster; stop() removes it. Raises ClusterError with the log."""
    run_as = _unprivileged_user()
    parent = tempfile.gettempdir()
    if run_as and not _traversable_by_all(Path(parent)):
        parent = "/tmp"  # TMPDIR is private to root: nobody could not reach the cluster there
    root = Path(tempfile.mkdtemp(prefix="provincial-pg-", dir=parent))
    if run_as:
        os.chown(root, run_as["user"], run_as["group"])
    cluster = PostgresCluster(bin_dir, root, 0, run_as)
    try:
        _initdb(cluster)
        for attempt in range(START_ATTEMPTS):
            cluster.port = _free_port()
            result = cluster._pg_ctl(
                "start", "-w", "-t", "30", "-l", str(cluster.log_path),
                "-o", cluster._options(),
                check=False,
            )
            if result.returncode == 0:
                return cluster
            if attempt == START_ATTEMPTS - 1:
                raise ClusterError(f"pg_ctl start failed:\n{result.stderr}\n{cluster.log_tail()}")
    except BaseException:
        cluster.stop()
        raise
    raise AssertionError("unreachable")


def _initdb(cluster: PostgresCluster) -> None:
    pwfile = cluster.root / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    if cluster.run_as:
        os.chown(pwfile, cluster.run_as["user"], cluster.run_as["group"])
    # --no-sync: a test cluster need not survive a power cut; the server itself still fsyncs.
    cluster._run(str(cluster.bin_dir / "initdb"), "-D", str(cluster.data_dir), "-U", USER,
                 f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8",
                 "--locale=C", "--no-sync")
    pwfile.unlink()


def _unprivileged_user() -> dict[str, Any]:
    """subprocess keywords to run as `nobody` when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        raise ClusterError("running as root and there is no 'nobody' user to run"
                           " PostgreSQL as") from None
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _traversable_by_all(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in [path.resolve(), *path.resolve().parents])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
