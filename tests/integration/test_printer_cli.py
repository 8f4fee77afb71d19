"""`kioskctl printer status|test` run as a technician runs them (a process, its exit code and
output) against the tests' own network printer; what it printed is decoded and its QR read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.escpos.fake_printer import FakeReceiptPrinter, State
from tests.escpos.qr import read_qr_codes

DEVICE_ID = "HN-4301-0042"
KIOSKCTL = Path(sys.executable).with_name("kioskctl")


def _config(tmp_path: Path, printer_uri: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'data_dir = "{tmp_path / "data"}"\n\n[device]\nid = "{DEVICE_ID}"\n\n'
                    f'[devices]\nprinter = "{printer_uri}"\n', encoding="utf-8")
    return path


def _kioskctl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_SIMULATE"}  # a real machine
    return subprocess.run([str(KIOSKCTL), *args], capture_output=True, text=True, timeout=60,
                          env=env)


@pytest.mark.parametrize(("state", "rc", "code", "paper"), [
    ("ready", 0, None, "ok"),
    ("near_end", 0, None, "near_end"),
    ("paper_out", 1, "paper_out", "out"),
    ("cover_open", 1, "cover_open", "ok"),
    ("offline", 1, "offline", "ok"),
])
def test_status_json_and_exit_code(tmp_path: Path, state: State, rc: int, code: str | None,
                                   paper: str) -> None:
    with FakeReceiptPrinter(state) as fake:
        done = _kioskctl("printer", "status", "--config", str(_config(tmp_path, fake.uri)),
                         "--json")
        line = _kioskctl("printer", "status", "--device", fake.uri,
                         "--config", str(_config(tmp_path, "escpos-tcp://192.0.2.1")))
    assert done.returncode == rc, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["ok"], answer["code"], answer["paper"]) == (rc == 0, code, paper)
    assert line.returncode == rc and len(line.stdout.strip().splitlines()) == 1
    assert ("ready" if rc == 0 else f"not ready: {code}") in line.stdout


def test_status_of_a_printer_that_is_not_there(tmp_path: Path) -> None:
    with FakeReceiptPrinter("ready") as fake:
        uri = fake.uri
    done = _kioskctl("printer", "status", "--device", uri, "--json",
                     "--config", str(_config(tmp_path, uri)))
    assert done.returncode == 1 and json.loads(done.stdout)["code"] == "offline"


def test_test_slip_prints_the_device_id_as_a_qr_code(tmp_path: Path) -> None:
    with FakeReceiptPrinter("ready") as fake:
        done = _kioskctl("printer", "test", "--config", str(_config(tmp_path, fake.uri)))
    assert done.returncode == 0, done.stderr
    assert f"test slip printed for {DEVICE_ID}" in done.stdout
    [slip] = fake.receipts()
    assert slip.width == 576 and 250 < slip.height < 900
    assert read_qr_codes(slip) == [DEVICE_ID]
    slip.save(tmp_path / "test-slip.png")  # to look at when this fails


@pytest.mark.parametrize(("state", "says"), [
    ("paper_out", "paper_out"), ("cover_open", "cover_open"), ("silent", "offline"),
])
def test_test_slip_refused_with_one_line_when_not_ready(tmp_path: Path, state: State,
                                                       says: str) -> None:
    with FakeReceiptPrinter(state) as fake:
        done = _kioskctl("printer", "test", "--device", fake.uri,
                         "--config", str(_config(tmp_path, fake.uri)))
        assert fake.receipts() == []
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert f"not printed: {says}" in line


def test_a_bad_uri_is_named(tmp_path: Path) -> None:
    done = _kioskctl("printer", "status", "--device", "escpos-tcp://h?width=500",
                     "--config", str(_config(tmp_path, "sim://")))
    assert done.returncode == 1 and "width must be 576" in done.stderr
