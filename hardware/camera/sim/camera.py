"""A simulated camera: a friendly drawn candidate in front of the light-blue backdrop.

The figure is placed so that the kiosk's centred 3:4 crop meets the photo standard's framing
(hair top, eye line, face width; see /work/shared/reference/photo-standard.md) and sways a
little, so a preview visibly lives. Frames carry faint sensor-like noise: a perfectly flat
drawing compresses to a few KB, far below the standard's 20-40 KB JPEG, and would hide size
problems a real camera shows.

Given an image file instead, the camera shows that image (scaled to fill 640×480, centre-cropped,
never distorted) as a still camera, for demos with a real-looking photo. Given a video file
(.avi .mp4 .mkv .mov .webm, decoded with OpenCV), it loops the clip at `fps`, so tests and
`kiosk --simulate` can replay real faces that move.

Fault: while `sim_dir/camera-unplugged` exists the camera delivers nothing and `is_alive` is
False, as with a camera whose cable was pulled.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from hardware.camera.camera import FRAME_HEIGHT, FRAME_WIDTH, CaptureThread

BACKDROP_RGB = (100, 197, 255)  # the photo standard's reference light blue
UNPLUGGED_FILE = "camera-unplugged"
NOISE_AMPLITUDE = 4  # ± levels, uniform: about what an indoor webcam shows
_NOISE_POOL = 4  # int8 fields, 0.9 MB each: the simulator should not inflate memory figures
_SUPERSAMPLE = 3
VIDEO_SUFFIXES = (".avi", ".mp4", ".mkv", ".mov", ".webm")
MAX_CLIP_FRAMES = 900  # 30 s at 30 fps, ~800 MB at most: clips are short test material


# The drawing is made at a nominal size, then scaled about the top centre and lowered, so that
# the face OpenCV's Haar detector finds (brows to mouth, wider than the drawn cheeks) sits in
# the middle of the guide: measured over 90 swaying frames, every one is found and judged good.
FIGURE_SCALE = 0.9
FIGURE_DROP = 20


def draw_figure(width: int = FRAME_WIDTH, height: int = FRAME_HEIGHT) -> Image.Image:
    """The head-and-shoulders figure as an RGBA sprite (transparent elsewhere), antialiased.

    In 640×480 frame coordinates the hair top is at y≈70, the eyes at y≈187 and the detected
    face ≈190 px wide, which the centred 3:4 guide scaled to 480×640 turns into ≈93, ≈249 and
    ≈253 px: inside the standard's 50-110, 200-300 and 180-300.
    """
    flat = _shade(_draw_flat(width, height), width, height)
    w2, h2 = round(width * FIGURE_SCALE), round(flat.height * FIGURE_SCALE)
    out = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    out.paste(flat.resize((w2, h2), Image.Resampling.LANCZOS),
              (round((width - w2) / 2), round(FIGURE_DROP * height / FRAME_HEIGHT)))
    return out


def _shade(img: Image.Image, width: int, height: int) -> Image.Image:
    """Soft light and shadow: lit centre of the face, shaded eye sockets, mouth and edges.

    A flat cartoon has none of the dark-eyes-over-bright-cheeks contrast a face detector keys
    on (Haar found the flat drawing in 5 frames of 93); a camera-like shading fixes that.
    """
    sx, sy = width / FRAME_WIDTH, height / FRAME_HEIGHT
    cx = FRAME_WIDTH / 2

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy))

    light = Image.new("L", img.size, 170)
    d = ImageDraw.Draw(light)
    d.ellipse(box(cx - 62, 100, cx + 62, 290), fill=255)  # the lit centre of the face
    for side in (-1, 1):
        ex = cx + side * 36
        d.ellipse(box(ex - 26, 166, ex + 26, 202), fill=170)  # eye sockets
    d.ellipse(box(cx - 30, 240, cx + 30, 262), fill=200)  # under the nose, the mouth
    light = light.filter(ImageFilter.GaussianBlur(10 * sx))
    r, g, b, a = img.split()
    rgb = ImageChops.multiply(Image.merge("RGB", (r, g, b)), Image.merge("RGB", (light,) * 3))
    return Image.merge("RGBA", (*rgb.split(), a))


def _draw_flat(width: int, height: int) -> Image.Image:
    """The figure in flat colours at its nominal geometry (hair top y=55, eyes y=185)."""
    s = _SUPERSAMPLE
    sx, sy = width / FRAME_WIDTH, height / FRAME_HEIGHT
    # Taller than the frame, so the shoulders still reach the bottom edge once scaled down.
    img = Image.new("RGBA", (width * s, math.ceil(height / FIGURE_SCALE) * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * sx * s), round(y0 * sy * s), round(x1 * sx * s), round(y1 * sy * s))

    def pts(*xy: tuple[float, float]) -> list[tuple[int, int]]:
        return [(round(x * sx * s), round(y * sy * s)) for x, y in xy]

    cx = FRAME_WIDTH / 2
    skin = (241, 203, 172, 255)
    skin_shade = (222, 176, 145, 255)
    hair = (48, 36, 32, 255)
    jacket = (38, 58, 112, 255)
    shirt = (248, 248, 246, 255)

    # Shoulders and clothes: a school jacket over a white shirt, well apart from the backdrop.
    d.rounded_rectangle(box(cx - 215, 340, cx + 215, 560), radius=90 * s, fill=jacket)
    d.rectangle(box(cx - 38, 262, cx + 38, 340), fill=skin_shade)  # neck
    d.polygon(pts((cx - 52, 336), (cx, 400), (cx + 52, 336)), fill=shirt)  # collar
    d.polygon(pts((cx - 36, 336), (cx, 372), (cx + 36, 336)), fill=skin_shade)
    d.line(pts((cx - 52, 336), (cx, 400), (cx + 52, 336)), fill=(200, 200, 205, 255), width=3 * s)

    d.ellipse(box(cx - 94, 55, cx + 94, 232), fill=hair)  # back of the hair
    d.ellipse(box(cx - 98, 160, cx - 70, 214), fill=skin_shade)  # ears
    d.ellipse(box(cx + 70, 160, cx + 98, 214), fill=skin_shade)
    d.ellipse(box(cx - 82, 92, cx + 82, 298), fill=skin)  # face
    d.chord(box(cx - 90, 58, cx + 90, 200), 180, 360, fill=hair)  # hair above the forehead
    d.pieslice(box(cx - 90, 90, cx - 40, 160), 180, 270, fill=hair)  # side parting
    d.pieslice(box(cx + 40, 90, cx + 90, 160), 270, 360, fill=hair)

    for side in (-1, 1):
        ex = cx + side * 36
        d.line(pts((ex - 20, 163), (ex, 158), (ex + 20, 163)), fill=hair,
               width=5 * s, joint="curve")  # eyebrows
        d.ellipse(box(ex - 17, 177, ex + 17, 193), fill=(252, 252, 250, 255))  # eye white
        d.ellipse(box(ex - 8, 177, ex + 8, 193), fill=(70, 46, 34, 255))  # iris
        d.ellipse(box(ex - 4, 181, ex + 4, 189), fill=(18, 14, 12, 255))  # pupil
        d.ellipse(box(ex + 1, 180, ex + 4, 183), fill=(255, 255, 255, 255))  # catch light
        d.arc(box(ex - 18, 175, ex + 18, 197), 190, 350, fill=(90, 60, 50, 255), width=2 * s)

    d.arc(box(cx - 11, 218, cx + 11, 234), 20, 160, fill=skin_shade, width=4 * s)  # nose
    d.ellipse(box(cx - 58, 222, cx - 34, 240), fill=(246, 186, 170, 255))  # cheeks
    d.ellipse(box(cx + 34, 222, cx + 58, 240), fill=(246, 186, 170, 255))
    d.arc(box(cx - 22, 238, cx + 22, 262), 20, 160, fill=(178, 84, 84, 255), width=4 * s)

    # Downsample with premultiplied alpha so the edges do not pick up a dark fringe.
    return img.convert("RGBa").resize((width, img.height // s), Image.Resampling.LANCZOS
                                      ).convert("RGBA")


def _load_clip(path: Path) -> list[npt.NDArray[np.uint8]]:
    """Every frame of a video, fitted to 640×480 RGB and read-only."""
    import cv2  # only for video files: stills and the drawn figure need no OpenCV

    cap = cv2.VideoCapture(str(path))
    frames: list[npt.NDArray[np.uint8]] = []
    try:
        while len(frames) < MAX_CLIP_FRAMES:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            fitted = np.asarray(ImageOps.fit(rgb, (FRAME_WIDTH, FRAME_HEIGHT),
                                             Image.Resampling.LANCZOS), dtype=np.uint8).copy()
            fitted.flags.writeable = False
            frames.append(fitted)
    finally:
        cap.release()
    if not frames:
        raise ValueError(f"{path}: no frames could be decoded")
    return frames


class SimulatedCamera(CaptureThread):
    """`Camera` producing 640×480 RGB frames at `fps` in its own daemon thread."""

    thread_name = "sim-camera"

    def __init__(
        self,
        sim_dir: Path,
        *,
        fps: float = 15.0,
        image_path: Path | None = None,
        noise: bool = True,
        seed: int | None = None,
    ) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        super().__init__()
        self.sim_dir = Path(sim_dir)
        self.fps = fps
        self.image_path = image_path
        self._rng = np.random.default_rng(seed)
        self._still: npt.NDArray[np.uint8] | None = None
        self._sprite: Image.Image | None = None
        self._backdrop = Image.new("RGB", (FRAME_WIDTH, FRAME_HEIGHT), BACKDROP_RGB)
        self._noise: list[npt.NDArray[np.int8]] = []
        self._clip: list[npt.NDArray[np.uint8]] = []
        if image_path is not None and image_path.suffix.lower() in VIDEO_SUFFIXES:
            self._clip = _load_clip(image_path)
        elif image_path is not None:
            with Image.open(image_path) as src:
                fitted = ImageOps.fit(
                    src.convert("RGB"), (FRAME_WIDTH, FRAME_HEIGHT), Image.Resampling.LANCZOS
                )
            still = np.asarray(fitted, dtype=np.uint8).copy()
            still.flags.writeable = False
            self._still = still
        else:
            self._sprite = draw_figure()
            if noise:
                # A small pool of noise fields, picked at random per frame: cheap at 30 fps.
                self._noise = [
                    self._rng.integers(
                        -NOISE_AMPLITUDE, NOISE_AMPLITUDE + 1,
                        size=(FRAME_HEIGHT, FRAME_WIDTH, 3), dtype=np.int8,
                    )
                    for _ in range(_NOISE_POOL)
                ]

    # -- frames --------------------------------------------------------------------------

    def render(self, t: float) -> npt.NDArray[np.uint8]:
        """The picture at time `t` (seconds): the still, the clip's frame, or the figure."""
        if self._clip:
            return self._clip[int(t * self.fps) % len(self._clip)]
        if self._still is not None:
            return self._still
        assert self._sprite is not None
        dx = round(7 * math.sin(2 * math.pi * t / 3.1))
        dy = round(2 * math.sin(2 * math.pi * t / 1.9))
        img = self._backdrop.copy()
        img.paste(self._sprite, (dx, dy), self._sprite)
        frame = np.asarray(img, dtype=np.uint8)
        if self._noise:
            noise = self._noise[int(self._rng.integers(len(self._noise)))]
            frame = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        else:
            frame = frame.copy()
        frame.flags.writeable = False
        return frame

    def _run(self) -> None:
        period = 1.0 / self.fps
        t0 = time.monotonic()
        next_t = t0
        fault = self.sim_dir / UNPLUGGED_FILE
        while not self._stop.is_set():
            if fault.exists():
                self._lose()
            else:
                now = time.monotonic()
                self._publish(self.render(now - t0), now)
            next_t += period
            delay = next_t - time.monotonic()
            if delay < 0:  # fell behind (a loaded machine): skip, never burst to catch up
                next_t = time.monotonic()
                delay = 0
            self._stop.wait(delay)
