"""`kioskctl a4 test` and `kioskctl print preview`, run as a technician runs them: the installed
command in a subprocess, against the tests' private cupsd."""

from __future__ import annotations

import os
import subprocess

import pytest
from PIL import Image

from kiosk.core.forms import FORMS
from tests.integration.cupsd_server import PrivateCupsd
from tests.integration.processes import console_script


def _kioskctl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([console_script("kioskctl"), *args], capture_output=True, text=True,
                          env=env or dict(os.environ), timeout=120)


def test_a4_test_prints_the_specimen_form_and_says_so(private_cupsd: PrivateCupsd, tmp_path):
    queue = private_cupsd.add_file_queue()
    done = _kioskctl("a4", "test", "--queue", queue.name, env=private_cupsd.env)
    assert done.returncode == 0, done.stderr
    assert f"on {queue.name}: job {queue.name}-" in done.stdout
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(queue.read())
    text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True,
                          check=True).stdout
    squeezed = "".join(text.split())
    assert "样张考生" in squeezed and "43010001" in squeezed and "报名登记表" in squeezed


def test_a4_test_on_a_stopped_queue_exits_1_with_one_line(private_cupsd: PrivateCupsd):
    queue = private_cupsd.add_file_queue()
    private_cupsd.run("cupsdisable", queue.name)
    done = _kioskctl("a4", "test", "--queue", queue.name, "--timeout", "60", env=private_cupsd.env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "a4_queue_disabled" in lines[0], done.stderr


def test_a4_test_without_a_queue_or_a_default_exits_1(private_cupsd: PrivateCupsd):
    done = _kioskctl("a4", "test", env=private_cupsd.env)
    assert done.returncode == 1
    assert "no --queue given" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a4_test_uses_cups_default_destination(private_cupsd: PrivateCupsd):
    queue = private_cupsd.add_file_queue()
    private_cupsd.run("lpadmin", "-d", queue.name)
    try:
        done = _kioskctl("a4", "test", "--form", "proof", env=private_cupsd.env)
    finally:
        private_cupsd.run("lpadmin", "-x", queue.name)  # no default for the other tests
    assert done.returncode == 0, done.stderr
    assert b"%PDF-" in queue.read()


@pytest.mark.parametrize("form", sorted(FORMS))
def test_print_preview_renders_each_form_to_an_a4_png(form, tmp_path):
    out = tmp_path / f"{form}.png"
    done = _kioskctl("print", "preview", form, "-o", str(out))
    assert done.returncode == 0, done.stderr
    with Image.open(out) as page:
        assert page.format == "PNG"
        assert page.size == (827, 1170) or page.size == (827, 1169)  # A4 at 100 dpi


def test_print_preview_lists_the_forms_and_refuses_others(tmp_path):
    helped = _kioskctl("print", "preview", "--help")
    assert all(name in helped.stdout for name in FORMS)
    done = _kioskctl("print", "preview", "nope", "-o", str(tmp_path / "x.png"))
    assert done.returncode == 2 and "registration" in done.stderr
    assert not (tmp_path / "x.png").exists()
