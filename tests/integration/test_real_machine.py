"""A real machine (no --simulate) refuses simulators and development keys, and every program
leaves its files owner-only. Real processes: the kiosk, the uploader, kioskctl, the server."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path

from provincial_api.sqlite_store import SqliteStore
from tests.integration.processes import (
    KioskEnv,
    Server,
    console_script,
    write_kiosk_config,
)
from tests.integration.test_records_pipeline import _commit_records

REAL_DEVICES = ('\n[devices]\nidcard = "ga467:///dev/ttyUSB0"\ncamera = "v4l2:///dev/video0"\n'
                'light = "none://"\n')


def _real_env(kiosk: KioskEnv) -> dict[str, str]:
    """A technician's shell on the machine: no KIOSK_SIMULATE, no display."""
    env = {k: v for k, v in kiosk.env().items() if k not in ("KIOSK_SIMULATE", "DISPLAY")}
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=90)


def _held(server: Server, record_ids: list[str]) -> int:
    store = SqliteStore(server.db)
    return sum(store.get(record_id, "SIM-0001") is not None for record_id in record_ids)


def test_the_kiosk_refuses_to_start_without_a_printer_configured(tmp_path: Path) -> None:
    kiosk = write_kiosk_config(tmp_path, "http://127.0.0.1:9")
    result = _run([console_script("kiosk"), "--config", str(kiosk.config_path)], _real_env(kiosk))
    assert result.returncode == 1, result.stderr[-2000:]
    assert "kiosk refuses to run on a real machine" in result.stderr
    for name in ("idcard", "camera", "printer", "light"):
        assert f"devices.{name}: not configured; name the device in {kiosk.config_path}" \
            in result.stderr
    assert "kiosk --simulate" in result.stderr
    assert not (kiosk.data_dir / "kiosk.sqlite").exists()  # refused before opening anything


def test_the_kiosk_refuses_a_simulated_printer_and_a_left_over_development_key(
        tmp_path: Path) -> None:
    kiosk = write_kiosk_config(tmp_path, "http://127.0.0.1:9")
    with kiosk.config_path.open("a", encoding="utf-8") as config:
        config.write(REAL_DEVICES + 'printer = "sim://"\n')
    _commit_records(kiosk, 1)  # an earlier simulated run: its development province key stays
    result = _run([console_script("kiosk"), "--config", str(kiosk.config_path)], _real_env(kiosk))
    assert result.returncode == 1, result.stderr[-2000:]
    assert "devices.printer: 'sim://' is a simulator" in result.stderr
    assert "province_x25519.dev-private.pem: a development key" in result.stderr
    for fine in ("devices.idcard", "devices.camera", "devices.light"):
        assert fine not in result.stderr


def test_the_uploader_refuses_development_keys_unless_simulating(
        tmp_path: Path, provincial_server: Server) -> None:
    kiosk = write_kiosk_config(tmp_path, provincial_server.url,
                               receipt_key=provincial_server.receipt_public_key)
    ids = [record_id for record_id, _ in _commit_records(kiosk, 2)]
    refused = _run([console_script("kiosk-uploader"), "--once"], _real_env(kiosk))
    assert refused.returncode == 2, refused.stdout[-2000:]
    assert "province_x25519.dev-private.pem: a development key" in refused.stdout
    assert "receipt_ed25519.dev.pub.pem: a development key" in refused.stdout
    assert "kiosk-uploader --simulate" in refused.stdout
    assert _held(provincial_server, ids) == 0
    uploaded = _run([console_script("kiosk-uploader"), "--simulate", "--once"], _real_env(kiosk))
    assert uploaded.returncode == 0, uploaded.stdout[-2000:]
    assert _held(provincial_server, ids) == 2


def test_kioskctl_refuses_development_keys_and_simulated_devices_unless_simulating(
        tmp_path: Path) -> None:
    kiosk = write_kiosk_config(tmp_path, "http://127.0.0.1:9")
    _commit_records(kiosk, 1)
    ctl = console_script("kioskctl")
    config = ["--config", str(kiosk.config_path)]
    env = _real_env(kiosk)
    sync = _run([ctl, "sync", "status", *config], env)
    assert sync.returncode == 1 and "province_x25519.dev-private.pem: a development key" in \
        sync.stderr
    assert "KIOSK_SIMULATE=1" in sync.stderr
    export = _run([ctl, "export", "--to", str(tmp_path / "usb"), *config], env)
    assert export.returncode == 1 and "a development key" in export.stderr
    assert not (tmp_path / "usb").exists()
    light = _run([ctl, "light", "on", *config], env)
    assert light.returncode == 1 and "devices.light: not configured" in light.stderr
    sim_light = _run([ctl, "light", "on", "--device", "sim://", *config], env)
    assert sim_light.returncode == 1 and "devices.light: 'sim://' is a simulator" in \
        sim_light.stderr
    assert _run([ctl, "--simulate", "light", "on", *config], env).returncode == 0
    assert _run([ctl, "sync", "status", *config],
                {**env, "KIOSK_SIMULATE": "1"}).returncode == 0
    assert _run([ctl, "status", *config], env).returncode == 0  # opens no key, no device


def _modes(folder: Path) -> dict[str, str]:
    """Every path under `folder` (and itself) whose mode lets anyone but the owner in."""
    loose = {}
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            loose[str(path.relative_to(folder.parent))] = oct(mode)
    return loose


def test_the_data_dir_and_everything_the_programs_make_is_owner_only(
        tmp_path: Path, provincial_server: Server) -> None:
    kiosk = write_kiosk_config(tmp_path, provincial_server.url, interval_s=0.2,
                               receipt_key=provincial_server.receipt_public_key)
    # What an older program left: made by this (umask 022) process, readable by all.
    ids = [record_id for record_id, _ in _commit_records(kiosk, 2)]
    (kiosk.data_dir / "left-over.txt").write_text("x", encoding="utf-8")
    os.chmod(kiosk.data_dir, 0o755)
    assert _modes(kiosk.data_dir)  # world-readable before
    uploader = subprocess.Popen([console_script("kiosk-uploader"), "--simulate"],
                                env=kiosk.env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while _held(provincial_server, ids) < 2:
            assert time.monotonic() < deadline and uploader.poll() is None, "not uploaded"
            time.sleep(0.1)
        names = {p.name for p in kiosk.data_dir.iterdir()}
        assert {"kiosk.sqlite", "kiosk.sqlite-wal", "kiosk.sqlite-shm"} <= names
        assert _modes(kiosk.data_dir) == {}  # the running uploader's files too
    finally:
        uploader.terminate()
        uploader.wait(timeout=15)
    _commit_records(kiosk, 1)
    exported = _run([console_script("kioskctl"), "--simulate", "export", "--to",
                     str(tmp_path / "usb"), "--config", str(kiosk.config_path)], kiosk.env())
    assert exported.returncode == 0, exported.stderr
    (bundle,) = (tmp_path / "usb").iterdir()
    assert len(list(bundle.rglob("*.json"))) >= 2  # the manifest and the record
    assert _modes(bundle) == {}
    assert _modes(kiosk.data_dir) == {}
    assert json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
