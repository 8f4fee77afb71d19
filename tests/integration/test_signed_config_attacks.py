"""Each attack of the reference page against a kiosk holding a good bundle: refused in its own
words, the last good bundle kept. And the root rotated v1 -> v2 with an admin replaced."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from tuf.api.metadata import Metadata

from kiosk.central_config import current_bundle
from kiosk.sync.config_updater import update_once
from provisioning.admin.repository import Repository
from tests.integration.signed_config import BASE_TOML, kiosk_config, set_up

CHANGED = BASE_TOML.replace("retention_days = 30", "retention_days = 10")


@pytest.fixture
def world(tmp_path: Path):
    """Admins alice and bob (threshold 2); the kiosk holds bundle v2."""
    admins, server = set_up(tmp_path)
    config = kiosk_config(tmp_path / "machine", server, admins)
    admins.publish(BASE_TOML, ["alice", "bob"])
    assert update_once(config).code == "ok"
    yield admins, server, config
    server.stop()


def held(config) -> int:
    bundle = current_bundle(config)
    assert bundle is not None
    return bundle.version


def test_rollback_an_older_timestamp_after_a_newer_one(world):
    admins, _, config = world
    old = (admins.repo / "metadata" / "timestamp.json").read_bytes()
    admins.run("repo", "timestamp", admins.repo)
    assert update_once(config).code == "ok"
    (admins.repo / "metadata" / "timestamp.json").write_bytes(old)
    result = update_once(config)
    assert result.code == "rollback", result.detail
    assert held(config) == 2


def test_freeze_an_expired_timestamp(world):
    admins, _, config = world
    admins.publish(CHANGED, ["alice", "bob"])
    admins.run("repo", "timestamp", admins.repo, "--expires", "1s")
    time.sleep(2.1)
    result = update_once(config)
    assert result.code == "expired", result.detail
    assert held(config) == 2  # v3 was never taken from a frozen repository


def test_a_tampered_bundle_file(world):
    admins, _, config = world
    admins.publish(CHANGED, ["alice", "bob"])
    targets = Metadata.from_file(str(admins.repo / "metadata" / "3.targets.json"))
    digest = targets.signed.targets["kiosk-config.json"].hashes["sha256"]
    served = admins.repo / "targets" / f"{digest}.kiosk-config.json"
    served.write_bytes(served.read_bytes().replace(b'"retention_days":10', b'"retention_days":99'))
    result = update_once(config)
    assert result.code == "tampered", result.detail
    assert held(config) == 2


def _served_by_the_online_key_alone(admins) -> None:
    """What a compromised server could do: publish staged targets that lack signatures, with
    snapshot and timestamp from the online key it holds."""
    repo = Repository(admins.repo)
    staged = repo.staged("targets")
    assert staged is not None
    for name in ("kiosk-config.json",):
        digest = staged.signed.targets[name].hashes["sha256"]
        shutil.copy(repo.staging / name, repo.targets / f"{digest}.{name}")
    (repo.metadata / f"{staged.signed.version}.targets.json").write_bytes(staged.to_bytes())
    repo._snapshot(staged)


def test_a_bundle_signed_below_the_threshold(world):
    admins, _, config = world
    out = admins.publish(CHANGED, ["alice"])
    assert "1 of 2 signatures" in out
    _served_by_the_online_key_alone(admins)
    result = update_once(config)
    assert result.code == "too_few_signatures", result.detail
    assert held(config) == 2


def test_a_forged_signature(world):
    admins, _, config = world
    admins.publish(CHANGED, ["alice"])
    staging = admins.repo / "staging" / "targets.json"
    md = json.loads(staging.read_text())  # alice's real signature, and one claimed for bob
    root = Metadata.from_file(str(admins.repo / "metadata" / "1.root.json"))
    bob = next(k for k in root.signed.roles["targets"].keyids
               if k != md["signatures"][0]["keyid"])
    md["signatures"].append({"keyid": bob, "sig": "ab" * 64})
    staging.write_text(json.dumps(md))
    _served_by_the_online_key_alone(admins)
    result = update_once(config)
    assert result.code == "bad_signature", result.detail
    assert held(config) == 2


def test_root_rotation_v1_to_v2_replaces_an_admin(world):
    admins, _, config = world
    admins.new_key("carol")
    admins.run("repo", "rotate-root", admins.repo, "--root-key", admins.pub("alice"),
               "--root-key", admins.pub("carol"), "--threshold", "2")
    out = admins.sign("alice") + admins.sign("carol")
    assert "old root: 1 of 2 signatures" in out and "published" not in out
    out = admins.sign("bob")  # the old threshold: alice and bob
    assert "published root v2" in out and "published targets v3" in out

    assert update_once(config).code == "ok"
    trusted = Metadata.from_file(str(config.data_dir / "central" / "tuf" / "metadata"
                                     / "root.json"))
    assert trusted.signed.version == 2

    out = admins.publish(CHANGED, ["bob", "alice"])  # bob is no longer an admin
    assert "waiting: targets: 1 of 2 signatures" in out
    assert "published targets v4" in admins.sign("carol")
    assert update_once(config).code == "ok"
    assert held(config) == 4
    bundle = current_bundle(config)
    assert bundle is not None and bundle.retention_days == 10
