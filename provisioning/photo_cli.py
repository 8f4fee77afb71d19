"""`kioskctl photo` and `kioskctl camera`: the photo standard and the camera, for technicians.

`photo check` judges a still image against the configured standard (can the standard photo be
cut from it?); `photo make` writes that photo or refuses with the reasons and exit status 1, the
same refusal the kiosk gives. `camera check` grabs frames from the configured (or a given)
camera, prints the frame rate and the live verdict. The reasons are codes and plain words; no
image is printed or logged.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from kiosk.core.photo_standard import REASON_EN
from kiosk.core.texts import guidance_text

if TYPE_CHECKING:  # imported when a command runs, so that `kioskctl --help` stays quick
    from hardware.camera import Camera
    from hardware.camera.analysis import FaceAnalyser
    from kiosk.config import Config


def _load_config(config_path: Path | None) -> Config:
    from kiosk.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def _analyser(config_path: Path | None) -> FaceAnalyser:
    from hardware.camera.analysis import FaceAnalyser

    photo = _load_config(config_path).photo
    try:
        return FaceAnalyser(photo.standard(), photo.detector_model)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except (OSError, UnidentifiedImageError) as exc:
        raise click.ClickException(f"{path}: not a readable image ({exc})") from None


def _print_reasons(reasons: list[str] | tuple[str, ...]) -> None:
    for code in reasons:
        click.echo(f"  {code}: {REASON_EN.get(code, code)}")


@click.group()
def photo() -> None:
    """The photo standard: check an image, make the standard photo from one."""


@photo.command("check")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Machine config.")
@click.option("--json", "as_json", is_flag=True, help='Print {"ok": bool, "reasons": [...]}.')
def check_photo(image: Path, config_path: Path | None, as_json: bool) -> None:
    """Can the standard photo be made from IMAGE? Exit status 1 when not."""
    result = _analyser(config_path).analyse(_read_image(image))
    verdict = result.photo_verdict
    if as_json:
        out = {"ok": verdict.ok, "reasons": list(verdict.reasons),
               "measurements": {k: v for k, v in result.as_dict().items()
                                if k not in ("ok", "reasons", "photo_ok", "photo_reasons")}}
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        click.echo("ok: meets the photo standard" if verdict.ok else "not ok:")
        _print_reasons(verdict.reasons)
    if not verdict.ok:
        raise SystemExit(1)


@photo.command("make")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the standard JPEG.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Machine config.")
def make_photo(image: Path, output: Path, config_path: Path | None) -> None:
    """Write the standard photo cut from IMAGE, or refuse with the reasons (exit status 1)."""
    from kiosk.imaging import PhotoRefused, standard_photo

    analyser = _analyser(config_path)
    try:
        data = standard_photo(_read_image(image), analyser=analyser)
    except PhotoRefused as exc:
        click.echo("refused: the image cannot make a standard photo:", err=True)
        for code in exc.reasons:
            click.echo(f"  {code}: {REASON_EN.get(code, code)}", err=True)
        raise SystemExit(1) from None
    output.write_bytes(data)
    std = analyser.standard
    click.echo(f"{output}: {std.width}x{std.height} JPEG, {len(data)} bytes")


@click.group()
def camera() -> None:
    """The camera."""


@camera.command("check")
@click.option("--device", "uri", help="Camera URI, e.g. v4l2:///dev/video0?width=1280&height=720"
              "&fourcc=MJPG (default: devices.camera of the config).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Machine config.")
@click.option("--seconds", type=float, default=3.0, show_default=True,
              help="How long to grab frames.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check_camera(uri: str | None, config_path: Path | None, seconds: float,
                 as_json: bool) -> None:
    """Grab frames: frame rate, frame size, analysis time and the verdict of the last frame."""
    from hardware.camera import CameraError, open_camera
    from provisioning.machine import device_uri, open_machine

    config = _load_config(config_path)
    uri = device_uri(config, "camera", uri)
    open_machine(config, devices={"camera": uri})
    try:
        cam = open_camera(uri, config.sim_dir)
    except ValueError as exc:
        raise click.ClickException(f"device: {exc}") from None
    try:
        report = {"device": uri, **measure_camera(cam, config, seconds)}
    except CameraError as exc:
        raise click.ClickException(f"camera: {exc}") from None
    if not report["frames_seen"]:
        raise click.ClickException(f"camera {uri}: no frame in {seconds:g} s")
    width, height = report["frame_size"]
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"camera {uri}: {width}x{height}, "
               f"{report['fps']} fps, analysis {report['analysis_ms_median']} ms/frame")
    click.echo("verdict: ok" if report["ok"] else "verdict: not ok")
    _print_reasons(report["reasons"])


def measure_camera(cam: Camera, config: Config, seconds: float) -> dict[str, Any]:
    """Grab frames for `seconds`: the frame rate the camera produced (by sequence number, not
    only the frames analysed here), the frame size, the analysis time and the verdict of the
    last frame. `frames_seen` 0 when none came; CameraError when the camera fails."""
    from hardware.camera.analysis import FaceAnalyser

    analyser = FaceAnalyser(config.photo.standard(), config.photo.detector_model)
    seqs: list[int] = []
    last = None
    analysis_ms: list[float] = []
    size = (0, 0)
    try:
        cam.start()
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            frame = cam.latest_frame()
            if frame is not None and (not seqs or frame.seq != seqs[-1]):
                seqs.append(frame.seq)
                last = analyser.analyse(frame.image)
                analysis_ms.append(last.elapsed_ms)
                size = (frame.width, frame.height)
            time.sleep(0.002)
        elapsed = time.monotonic() - t0
    finally:
        cam.stop()
    if last is None:
        return {"frames_seen": 0, "fps": 0.0, "frame_size": [0, 0], "ok": False,
                "reasons": [], "guidance": ""}
    fps = (seqs[-1] - seqs[0]) / elapsed if len(seqs) > 1 else 0.0
    return {
        "frames_seen": len(seqs), "fps": round(fps, 1), "frame_size": list(size),
        "analysis_ms_median": round(float(np.median(analysis_ms)), 2),
        "ok": last.verdict.ok, "reasons": list(last.verdict.reasons),
        "guidance": guidance_text(last.verdict.guidance_code),
    }
