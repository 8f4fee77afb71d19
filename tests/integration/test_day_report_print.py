"""The end-of-day report on paper: printed through the kiosk's own report printer (wiring) to a
real, private cupsd's file queue, every row read back from what cupsd wrote, A4 and one page."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from hardware.printer.a4 import open_a4_printer
from kiosk.config import Config, with_overrides
from kiosk.core.day_report import build_day_report, report_rows
from kiosk.wiring import report_printer
from tests.integration.cupsd_server import PrivateCupsd

DPI = 100


@pytest.fixture
def cups_env(private_cupsd: PrivateCupsd, monkeypatch: pytest.MonkeyPatch) -> PrivateCupsd:
    monkeypatch.setenv("CUPS_SERVER", str(private_cupsd.socket))
    return private_cupsd


def test_the_day_report_prints_on_a4_with_every_row(cups_env, tmp_path: Path):
    queue = cups_env.add_file_queue()
    config = with_overrides(Config(), data_dir=tmp_path / "data")
    config = replace(config, devices=replace(config.devices, a4=f"cups://{queue.name}?timeout=30"))
    print_report = report_printer(config, open_a4_printer(config.devices.a4))
    assert print_report is not None
    report = build_day_report(
        day=date(2026, 9, 2), device_id="HN-4301-0001",
        counts={"collect": {"started": 12, "completed": 9, "cancelled": 1, "timed_out": 1,
                            "exception": 1}},
        numbers={"used": 9, "voided": 2, "void_reasons": {"candidate_left": 1,
                                                          "machine_fault": 1}},
        queue_depth=3)
    job = print_report(report)
    assert job.startswith(f"{queue.name}-")
    printed = tmp_path / "report.pdf"
    printed.write_bytes(queue.read())
    got = "".join(subprocess.run(["pdftotext", str(printed), "-"], check=True,
                                 capture_output=True, text=True).stdout.split())
    for label, value in report_rows(report, "zh"):
        assert "".join(label.split()) in got and "".join(value.split()) in got, label
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(printed), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=60)
    [page] = sorted(tmp_path.glob("page-*.png"))
    with Image.open(page) as img:
        a4 = (210 / 25.4 * DPI, 297 / 25.4 * DPI)
        assert all(abs(got - want) <= 1 for got, want in zip(img.size, a4, strict=True))
