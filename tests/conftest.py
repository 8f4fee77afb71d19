"""Shared fixtures: a virtual screen for UI runs, the reference API on loopback, the seed of a
random test."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.play import command as play_command
from provisioning.devrun import BIN, ApiServer, VirtualScreen, write_kiosk_config

SEED_VARIABLE = "TEST_SEED"


def _seed_from_environment() -> int:
    given = os.environ.get(SEED_VARIABLE, "").strip()
    try:
        return int(given) if given else int.from_bytes(os.urandom(4), "big")
    except ValueError:
        raise pytest.UsageError(f"{SEED_VARIABLE}={given!r} is not an integer") from None


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis draws from one seed per run, `$TEST_SEED` or fresh, unless
    `--hypothesis-seed` is given: the property tests replay as the other random tests do."""
    if getattr(config.option, "hypothesis_seed", None) is None:
        config.option.hypothesis_seed = _seed_from_environment()


def pytest_report_header(config: pytest.Config) -> str:
    """The run's seed, printed before any test runs."""
    return (f"hypothesis seed: {config.option.hypothesis_seed} (replay: "
            f"{SEED_VARIABLE}={config.option.hypothesis_seed} or --hypothesis-seed)")


@pytest.fixture
def seed() -> int:
    """The seed of a test that draws random numbers: `$TEST_SEED` to replay a run, else fresh.

    Printed before the test does any work, so a run that fails (or hangs and is killed by the
    timeout) shows it in its captured output: `TEST_SEED=<seed> pytest <test>` replays it.
    """
    value = _seed_from_environment()
    print(f"seed: {SEED_VARIABLE}={value}", flush=True)
    return value


@pytest.fixture(scope="session")
def virtual_screen() -> Iterator[VirtualScreen]:
    with VirtualScreen() as screen:
        yield screen


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[ApiServer]:
    with ApiServer(tmp_path / "api.sqlite", log_path=tmp_path / "api.log") as server:
        yield server


class Kiosk:
    """One simulated kiosk's config and data, and ways to run its programs as a technician would."""

    def __init__(self, tmp_path: Path, api: ApiServer | str, x_display: str,
                 **sections: dict) -> None:
        """`api`: the server (whose receipt key the kiosk then trusts), or a bare URL;
        `x_display`: the X display it runs on; `sections`: kiosk.toml's (`display` too)."""
        self.tmp = tmp_path
        self.data_dir = tmp_path / "kiosk-data"
        self.display = x_display
        fast = {"countdown_s": 1, "notice_dwell_s": 3.0, "done_dwell_s": 5.0}
        fast.update(sections.pop("session", {}))
        url, receipt_key = (api, None) if isinstance(api, str) else \
            (api.url, api.receipt_public_key)
        self.config = write_kiosk_config(
            tmp_path / "kiosk.toml", self.data_dir, url, receipt_key, session=fast, **sections
        )
        self.log = tmp_path / "kiosk.log"

    def play(self, script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        import os

        env = {**os.environ, "DISPLAY": self.display}
        with open(self.log, "ab") as log:
            return subprocess.run(
                play_command(BIN / "python", self.config, script, "--no-uploader", *args),
                env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
            )

    def log_events(self) -> list[dict]:
        events = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                events.append({"event": "non-json", "msg": line})
        return events

    def log_tail(self, n: int = 25) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8").splitlines()[-n:])

    def status(self) -> dict:
        out = subprocess.run(
            [str(BIN / "kioskctl"), "--simulate", "status", "--json", "--config", str(self.config)],
            check=True, capture_output=True, text=True,
        )
        return json.loads(out.stdout)

    def upload_once(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "kiosk-uploader"), "--simulate", "--once", "--config", str(self.config)],
            capture_output=True, text=True, timeout=60,
        )


@pytest.fixture
def make_kiosk(tmp_path: Path, virtual_screen: VirtualScreen):
    def make(api: ApiServer | str, **sections: dict) -> Kiosk:
        return Kiosk(tmp_path, api, virtual_screen.display, **sections)

    return make
