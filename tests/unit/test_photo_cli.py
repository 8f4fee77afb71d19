"""`kioskctl photo check|make` and `kioskctl camera check` on real-face images."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

pytest.importorskip("skimage")

from provisioning.kioskctl import cli  # noqa: E402
from tests.unit import photo_fixtures  # noqa: E402


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("faces")
    out = {}
    for name in ("well", "two_faces", "dark"):
        out[name] = folder / f"{name}.png"
        Image.fromarray(photo_fixtures.fixtures()[name]).save(out[name])
    return out


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)


def test_check_json(images: dict[str, Path]) -> None:
    r = CliRunner().invoke(cli, ["photo", "check", str(images["well"]), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["ok"] is True and out["reasons"] == []
    r = CliRunner().invoke(cli, ["photo", "check", str(images["two_faces"]), "--json"])
    assert r.exit_code == 1
    assert "many_faces" in json.loads(r.output)["reasons"]


def test_make_writes_the_standard_photo_or_refuses(images: dict[str, Path],
                                                   tmp_path: Path) -> None:
    out = tmp_path / "out.jpg"
    r = CliRunner().invoke(cli, ["photo", "make", str(images["well"]), "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert 20 * 1024 <= len(data) <= 40 * 1000
    assert Image.open(io.BytesIO(data)).size == (480, 640)
    r = CliRunner().invoke(cli, ["photo", "check", str(out)])  # the photo passes its own check
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.jpg"
    r = CliRunner().invoke(cli, ["photo", "make", str(images["dark"]), "-o", str(bad)])
    assert r.exit_code == 1 and "too_dark" in r.output and not bad.exists()


def test_camera_check_with_an_image_file(images: dict[str, Path]) -> None:
    r = CliRunner().invoke(cli, ["--simulate", "camera", "check", "--device", f"sim://{images['well']}?fps=30",
                                 "--seconds", "1", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["ok"] is True and out["frame_size"] == [640, 480] and out["fps"] > 10
