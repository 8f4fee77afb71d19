"""`kioskctl selftest` run as a technician runs it, on a simulated machine beside the reference
API on loopback: every part reported, the device accepted through a signed request, and each
broken part named with what to do (exit 1), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.seal import Sealer
from provisioning.devrun import ApiServer, write_kiosk_config
from tests.escpos.fake_printer import FakeReceiptPrinter

KIOSKCTL = Path(sys.executable).with_name("kioskctl")


def _selftest(config: Path, **env: str) -> tuple[int, dict, str]:
    done = subprocess.run(
        [str(KIOSKCTL), "--simulate", "selftest", "--config", str(config), "--json",
         "--camera-seconds", "0.5"],
        capture_output=True, text=True, timeout=120, env={**os.environ, **env})
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def _levels(report: dict) -> dict[str, str]:
    return {c["part"]: c["level"] for c in report["checks"]}


def _machine(tmp_path: Path, api_url: str, receipt_key: Path | None, **devices: str) -> Path:
    data = tmp_path / "data"
    config = write_kiosk_config(tmp_path / "kiosk.toml", data, api_url, receipt_key,
                                devices=devices)
    Sealer.from_keys_dir(data / "keys", "SIM-0001")  # the simulated kiosk's development keys
    return config


def test_a_simulated_machine_beside_the_api_is_ready_with_warnings(tmp_path: Path) -> None:
    with ApiServer(tmp_path / "api.sqlite") as api:
        config = _machine(tmp_path, api.url, api.receipt_public_key)
        rc, report, _ = _selftest(config)
    levels = _levels(report)
    assert rc == 0 and report["overall"] == "warn", report
    for part in ("ID card reader", "camera", "fill light", "receipt printer", "disk", "clock",
                 "device accepted"):
        assert levels[part] == "ok", (part, report)
    assert levels["A4 printer"] == "warn"  # none configured on this machine
    reader = next(c for c in report["checks"] if c["part"] == "ID card reader")
    assert reader["facts"]["sam_id"] and "simulator" in reader["summary"]
    camera = next(c for c in report["checks"] if c["part"] == "camera")
    assert camera["facts"]["frames_seen"] > 0 and camera["facts"]["frame_size"][0] > 0


def test_each_broken_part_fails_with_what_to_do(tmp_path: Path) -> None:
    with FakeReceiptPrinter("paper_out") as printer:
        with ApiServer(tmp_path / "api.sqlite") as api:
            url, key = api.url, api.receipt_public_key
        # The API is gone, the roll is out, CUPS is not running.
        config = _machine(tmp_path, url, key, printer=printer.uri, a4="cups://forms")
        rc, report, _ = _selftest(config, CUPS_SERVER=str(tmp_path / "no-cupsd.sock"))
    assert rc == 1 and report["overall"] == "fail" and report["ok"] is False
    by_part = {c["part"]: c for c in report["checks"]}
    assert by_part["receipt printer"]["level"] == "fail"
    assert "paper_out" in by_part["receipt printer"]["summary"]
    assert by_part["A4 printer"]["level"] == "fail"
    assert "a4_cups_unavailable" in by_part["A4 printer"]["summary"]
    assert by_part["provincial API"]["level"] == "fail"
    assert "network" in by_part["provincial API"]["advice"]
    assert all(c["advice"] for c in report["checks"] if c["level"] != "ok")
    assert by_part["ID card reader"]["level"] == "ok"  # the others are still checked


def test_the_table_names_every_part(tmp_path: Path) -> None:
    config = _machine(tmp_path, "http://127.0.0.1:9", None)
    done = subprocess.run([str(KIOSKCTL), "--simulate", "selftest", "--config", str(config),
                           "--camera-seconds", "0.3"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "160"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    for part in ("ID card reader", "camera", "fill light", "receipt printer", "A4 printer",
                 "disk", "provincial API", "device key", "signed configuration", "staff CA"):
        assert part in done.stdout
    assert "overall: fail" in done.stdout
