"""A workflow changed by the central bundle reaches the running kiosk between candidates: the
kiosk as `kiosk.wiring.build` puts it together (simulated devices), bundles published by two
admins with `kiosk-admin`, served over loopback and applied by the kiosk's own updater."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from central_api_client.config_bundle import ConfigBundle, WorkflowSpec, bundle_to_bytes
from kiosk.central_config import CURRENT, central_dir
from kiosk.config import parse_config
from kiosk.core import events as ev
from kiosk.core.session import ATTRACT
from kiosk.core.workflows import get_workflow
from kiosk.sync.config_updater import update_once
from kiosk.wiring import build
from tests.integration.signed_config import BASE_TOML, set_up
from tests.synthetic import resident

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


def test_a_second_visit_a_bundle_adds_while_the_kiosk_runs_looks_its_candidates_up(
        tmp_path: Path):
    """The kiosk started with `collect` alone; a bundle then adds `confirm` (offered from the
    next candidate): its candidate step must get a lookup (here: no API configured, no roster
    synced, so nobody is found), not `candidates_unavailable` until a restart."""
    config = parse_config(f"""data_dir = "{tmp_path / 'data'}"
[devices]
printer = "sim://"
idcard = "sim://"
camera = "sim://"
light = "sim://"
[api]
base_url = ""
""")
    shell = build(config, simulate=True)
    try:
        central_dir(config).mkdir(parents=True, exist_ok=True)
        (central_dir(config) / CURRENT).write_bytes(bundle_to_bytes(ConfigBundle(
            2, datetime(2099, 1, 1, tzinfo=UTC),
            {name: WorkflowSpec(get_workflow(name).steps) for name in ("collect", "confirm")})))
        shell.session.handle(ev.Start())  # the next candidate: the gate reads the bundle
        assert "confirm" in shell.session.settings.workflows
        outcome = shell.runner.run(ev.FindCandidate("s1", "gaokao", resident().id_number))
        assert isinstance(outcome, ev.CandidateFound), outcome
        assert outcome.registration is None
    finally:
        shell.stop()
