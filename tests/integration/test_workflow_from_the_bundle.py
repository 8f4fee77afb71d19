"""A workflow changed by the central bundle reaches the running kiosk between candidates: the
kiosk as `kiosk.wiring.build` puts it together (simulated devices), bundles published by two
admins with `kiosk-admin`, served over loopback and applied by the kiosk's own updater."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import parse_config
from kiosk.core import events as ev
from kiosk.core.session import ATTRACT
from kiosk.sync.config_updater import update_once
from kiosk.wiring import build
from tests.integration.signed_config import BASE_TOML, set_up

ALL_DAY = BASE_TOML.replace('["08:00-12:00", "15:00-18:00"]', '["00:00-24:00"]')
NO_PRINT = ALL_DAY.replace('"sign", "print", "done"', '"sign", "done"')


def test_a_workflow_published_mid_session_applies_from_the_next_candidate(tmp_path: Path):
    admins, server = set_up(tmp_path / "central")
    try:
        admins.publish(ALL_DAY, ["alice", "bob"])
        root = admins.repo / "metadata" / "1.root.json"
        config = parse_config(f"""data_dir = "{tmp_path / 'data'}"
[devices]
printer = "sim://"
idcard = "sim://"
camera = "sim://"
light = "sim://"
[config]
trust_root = "{root}"
repository_url = "{server.url}"
""")
        assert update_once(config).version == 2
        shell = build(config, simulate=True)
        try:
            session = shell.session
            session.handle(ev.Start())
            assert session.screen == "card"
            assert "print" in session.settings.workflow.steps

            admins.publish(NO_PRINT, ["bob", "alice"])
            assert update_once(config).version == 3
            assert "print" in session.settings.workflow.steps  # the candidate's stays
            session.handle(ev.Cancel())
            assert session.screen == ATTRACT

            session.handle(ev.Start())  # the next candidate
            assert session.screen == "card"
            assert session.settings.workflow.steps == (
                "card", "identity", "photo", "check", "sign", "done")
        finally:
            shell.stop()
    finally:
        server.stop()
