"""A configuration repository made by `kiosk-admin` (run as the admins run it, through click),
served over loopback by a ThreadingHTTPServer, and a kiosk's config pointing at it."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from kiosk.config import Config, parse_config
from provisioning.admin.cli import cli as admin_cli

BASE_TOML = """\
retention_days = 30

[workflows.collect]
steps = ["card", "identity", "photo", "check", "sign", "print", "done"]

[[workflows.collect.windows]]
from = 2019-09-02
to = 2099-12-31
hours = ["08:00-12:00", "15:00-18:00"]
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


class RepoServer:
    """DIR served at http://127.0.0.1:PORT/ (metadata/ and targets/ as kiosk-admin lays them)."""

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Admins:
    """Admins with their own keys (NAME.key, NAME.pub, a passphrase file each) and the
    repository they keep; every action is a `kiosk-admin` command."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.repo = folder / "repo"
        folder.mkdir(parents=True, exist_ok=True)

    def run(self, *args: str, ok: bool = True) -> str:
        result = CliRunner().invoke(admin_cli, [str(a) for a in args])
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code != 0, result.output
        return result.output

    def new_key(self, name: str) -> None:
        (self.folder / f"{name}.pass").write_text(f"passphrase of {name}\n")
        self.run("keys", "new", name, "--dir", self.folder,
                 "--passphrase-file", self.folder / f"{name}.pass")

    def pub(self, name: str) -> Path:
        return self.folder / f"{name}.pub"

    def sign(self, name: str) -> str:
        return self.run("repo", "sign", self.repo, "--key", self.folder / f"{name}.key",
                        "--passphrase-file", self.folder / f"{name}.pass")

    def init(self, names: list[str], threshold: int) -> None:
        for name in names:
            self.new_key(name)
        keys = [a for n in names for a in ("--root-key", self.pub(n))]
        self.run("repo", "init", self.repo, *keys, "--threshold", str(threshold))

    def publish(self, toml: str, signers: list[str], expires: str = "30d") -> str:
        path = self.folder / "config.toml"
        path.write_text(toml, encoding="utf-8")
        out = self.run("config", "publish", self.repo, path, "--expires", expires)
        for name in signers:
            out += self.sign(name)
        return out


def kiosk_config(machine: Path, server: RepoServer, admins: Admins) -> Config:
    """A kiosk enrolled with the repository's first root (copied, as enrolment installs it)."""
    machine.mkdir(parents=True, exist_ok=True)
    shutil.copy(admins.repo / "metadata" / "1.root.json", machine / "root.json")
    return parse_config(f"""
data_dir = "{machine / 'data'}"
[config]
trust_root = "{machine / 'root.json'}"
repository_url = "{server.url}"
""")


def set_up(tmp_path: Path, names: tuple[str, ...] = ("alice", "bob"),
           threshold: int = 2) -> tuple[Admins, RepoServer]:
    """A repository whose first root and empty targets every admin signed."""
    admins = Admins(tmp_path / "admins")
    admins.init(list(names), threshold)
    for name in names[:threshold]:
        admins.sign(name)
    return admins, RepoServer(admins.repo)
