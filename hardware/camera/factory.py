"""Choose the camera by the URI in the machine's config (`devices.camera`).

- `sim://` (optionally `?fps=N`): a drawn candidate swaying gently in front of the backdrop.
- `sim:///abs/path/photo.jpg?fps=N`: that image, scaled to fill 640×480, as a still camera.

OpenCV devices (`v4l2:///dev/video0`) come with the real adapter; any other scheme is refused
by name so a typo in kiosk.toml shows up at start-up.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from hardware.camera.camera import Camera

SUPPORTED_SCHEMES = ("sim",)
DEFAULT_FPS = 15.0
MAX_FPS = 60.0


def open_camera(uri: str, sim_dir: Path) -> Camera:
    """Open (but do not start) the camera named by `uri`.

    `sim_dir` is where the simulator looks for its fault file (`camera-unplugged`).
    """
    parts = urlsplit(uri)
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
