"""The signed central configuration end to end on loopback: admins publish with `kiosk-admin`,
a kiosk's updater applies it, and the kiosk's loaded config and start gate follow it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.central_config import CurrentBundle, current_bundle
from kiosk.core.schedule import Closed
from kiosk.sync.config_updater import update_once
from provisioning.kioskctl import cli as kioskctl
from tests.integration.signed_config import BASE_TOML, kiosk_config, set_up


@pytest.fixture
def world(tmp_path: Path):
    admins, server = set_up(tmp_path)
    yield admins, server, kiosk_config(tmp_path / "machine", server, admins)
    server.stop()


def test_two_admins_change_a_window_and_the_photo_standard_and_the_kiosk_shows_both(world):
    admins, _, config = world
    out = admins.publish(BASE_TOML, ["alice", "bob"])
    assert "published targets v2" in out
    assert update_once(config).code == "ok"
    loaded = CurrentBundle(config)
    assert loaded.bundle is not None and loaded.bundle.version == 2
    assert loaded.config.photo.width == 480

    changed = BASE_TOML.replace('["08:00-12:00", "15:00-18:00"]', '["00:00-24:00"]') + """
[photo]
width = 358
height = 441
"""
    out = admins.publish(changed, ["alice"])
    assert "waiting: targets: 1 of 2 signatures" in out
    assert update_once(config).version == 2  # one admin is not enough: nothing new is served
    assert "published targets v3" in admins.sign("bob")

    assert update_once(config).code == "ok"
    assert loaded.refresh()  # between candidates: the new bundle is read
    assert loaded.bundle is not None and loaded.bundle.version == 3
    assert (loaded.config.photo.width, loaded.config.photo.height) == (358, 441)
    assert loaded.config.photo.standard().width == 358
    window = loaded.rules.windows["collect"][0]
    assert len(window.hours) == 1 and window.hours[0][0].hour == 0
    assert loaded.refusal() is None  # open all day now


def test_a_pause_stops_new_sessions_with_its_words_at_the_next_refresh(world):
    admins, _, config = world
    admins.publish(BASE_TOML, ["alice", "bob"])
    update_once(config)
    gate = CurrentBundle(config)
    paused = BASE_TOML.replace('["08:00-12:00", "15:00-18:00"]', '["00:00-24:00"]') + """
[pause.province]
zh = "系统维护，暂停服务"
en = "Paused for maintenance"
"""
    admins.publish(paused, ["bob", "alice"])
    assert update_once(config).code == "ok"
    refusal = gate.refusal()
    assert refusal is not None and refusal.reason is Closed.PAUSED
    assert refusal.message is not None and refusal.message.en == "Paused for maintenance"


def test_publish_refuses_what_a_kiosk_could_not_apply(world):
    admins, _, _ = world
    path = admins.folder / "bad.toml"
    for toml, words in [
        (BASE_TOML.replace('"sign", ', '"dance", '), "unknown steps"),
        (BASE_TOML + "[photo]\nheight = 100\n", "hair_top_min"),
        (BASE_TOML + '[keys.receipt]\ncurrent = "-----BEGIN PUBLIC KEY-----\\nAA\\n'
                     '-----END PUBLIC KEY-----"\n', "keys.receipt.current"),
        (BASE_TOML.replace("to = 2099-12-31", "to = 2019-09-01"), "before 'from'"),
        ("version = 7\n" + BASE_TOML, "set by `config publish`"),
    ]:
        path.write_text(toml, encoding="utf-8")
        out = admins.run("config", "publish", admins.repo, path, ok=False)
        assert "refused" in out and words in out, out
    assert not (admins.repo / "staging" / "kiosk-config.json").exists()


def test_an_offline_kiosk_keeps_its_last_good_bundle_until_it_expires(world, tmp_path):
    admins, server, config = world
    expiring = BASE_TOML + '[freeze]\nfreeze_after_days = 1\non_expired = "stop"\n'
    admins.publish(expiring, ["alice", "bob"], expires="7d")
    assert update_once(config).code == "ok"
    server.stop()

    result = update_once(config)
    assert result.code == "unreachable" and result.version == 2
    bundle = current_bundle(config)
    assert bundle is not None and bundle.version == 2
    gate = CurrentBundle(config)
    week = bundle.expires + timedelta(hours=12)  # a simulated week offline: in the grace
    assert gate.refusal(week) is None or gate.refusal(week).reason is Closed.OUTSIDE_WINDOW
    frozen = gate.refusal(bundle.expires + timedelta(days=1, minutes=1))
    assert frozen is not None and frozen.reason is Closed.EXPIRED

    out = CliRunner().invoke(kioskctl, ["config", "status", "--json", "--data-dir",
                                        str(config.data_dir)], env=_env(config, tmp_path))
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["version"] == 2 and report["status"] == "unreachable"
    assert report["last_refusal"]["words"].startswith("No connection to the configuration")
    assert report["checked_at"] and report["last_ok_at"]


def test_kioskctl_config_update_checks_now_and_says_so(world, tmp_path):
    admins, _, config = world
    admins.publish(BASE_TOML, ["alice", "bob"])
    env = _env(config, tmp_path)
    out = CliRunner().invoke(kioskctl, ["config", "update"], env=env)
    assert out.exit_code == 0, out.output
    assert "up to date. Bundle v2 in force." in out.output
    status = CliRunner().invoke(kioskctl, ["config", "status"], env=env)
    assert "bundle in force: v2" in status.output and "status: The configuration" in status.output


def _env(config, tmp_path: Path) -> dict[str, str]:
    """kioskctl reads the same machine config as the kiosk (KIOSK_CONFIG)."""
    path = tmp_path / "kiosk.toml"
    path.write_text(f'data_dir = "{config.data_dir}"\n[config]\ntrust_root = '
                    f'"{config.config.trust_root}"\nrepository_url = '
                    f'"{config.config.repository_url}"\n')
    return {"KIOSK_CONFIG": str(path), "KIOSK_SIMULATE": "1"}
