"""Choose the camera by the URI in the machine's config (`devices.camera`).

- `sim://` (optionally `?fps=N`): a drawn candidate swaying gently in front of the backdrop.
- `sim:///abs/path/photo.jpg?fps=N`: that image, scaled to fill 640×480, as a still camera.
- `sim:///abs/path/clip.mp4?fps=N`: that video (.avi .mp4 .mkv .mov .webm), looped at N fps.
- `v4l2:///dev/video0?width=W&height=H&fourcc=MJPG&fps=N` or `v4l2://0` (a device index): a
  real camera through OpenCV (hardware/camera/opencv.py); defaults 640×480, MJPG, 30 fps.

Any other scheme is refused by name so a typo in kiosk.toml shows up at start-up.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from hardware.camera.camera import Camera

SUPPORTED_SCHEMES = ("sim", "v4l2")
DEFAULT_FPS = 15.0
MAX_FPS = 60.0


def open_camera(uri: str, sim_dir: Path) -> Camera:
    """Open (but do not start) the camera named by `uri`.

    `sim_dir` is where the simulator looks for its fault file (`camera-unplugged`).
    """
    parts = urlsplit(uri)
    if parts.scheme == "v4l2":
        return _open_v4l2(uri)
    if parts.scheme != "sim":
        raise ValueError(
            f"unsupported camera URI scheme {parts.scheme!r} in {uri!r}; "
            f"supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}"
        )
    query = parse_qs(parts.query, strict_parsing=False)
    unknown = set(query) - {"fps"}
    if unknown:
        raise ValueError(f"camera URI {uri!r}: unknown parameter(s) {sorted(unknown)}")
    fps = DEFAULT_FPS
    if "fps" in query:
        try:
            fps = float(query["fps"][-1])
        except ValueError:
            raise ValueError(f"camera URI {uri!r}: fps must be a number") from None
        if not 0 < fps <= MAX_FPS:
            raise ValueError(f"camera URI {uri!r}: fps must be in (0, {MAX_FPS:g}]")
    if parts.netloc:
        raise ValueError(
            f"camera URI {uri!r}: an image must be an absolute path, e.g. sim:///srv/face.jpg"
        )
    image = Path(unquote(parts.path)) if parts.path not in ("", "/") else None
    if image is not None and not image.is_file():
        raise ValueError(f"camera URI {uri!r}: no image file at {image}")

    from hardware.camera.sim.camera import SimulatedCamera

    return SimulatedCamera(sim_dir, fps=fps, image_path=image)


def _open_v4l2(uri: str) -> Camera:
    """`v4l2://INDEX` or `v4l2:///dev/videoN`, with width, height, fourcc and fps parameters."""
    parts = urlsplit(uri)
    query = {k: v[-1] for k, v in parse_qs(parts.query, strict_parsing=False).items()}
    unknown = set(query) - {"width", "height", "fourcc", "fps"}
    if unknown:
        raise ValueError(f"camera URI {uri!r}: unknown parameter(s) {sorted(unknown)}")
    source: int | str
    if parts.netloc:
        if not parts.netloc.isdigit() or parts.path not in ("", "/"):
            raise ValueError(f"camera URI {uri!r}: use v4l2://0 (index) or v4l2:///dev/video0")
        source = int(parts.netloc)
    elif parts.path.startswith("/dev/"):
        source = unquote(parts.path)
    else:
        raise ValueError(f"camera URI {uri!r}: use v4l2://0 (index) or v4l2:///dev/video0")
    try:
        width = int(query.get("width", 640))
        height = int(query.get("height", 480))
        fps = float(query.get("fps", 30))
    except ValueError:
        raise ValueError(f"camera URI {uri!r}: width, height and fps must be numbers") from None
    fourcc = query.get("fourcc", "MJPG")
    if width <= 0 or height <= 0 or not 0 < fps <= MAX_FPS or len(fourcc) != 4:
        raise ValueError(f"camera URI {uri!r}: bad width, height, fps or fourcc")

    from hardware.camera.opencv import CaptureSettings, OpenCVCamera

    return OpenCVCamera(CaptureSettings(source, width, height, fourcc, fps))
