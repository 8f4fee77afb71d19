"""The Simplified Chinese face of Noto Sans CJK as a file Kivy and Pillow can open by path.

Debian's fonts-noto-cjk ships only OpenType collections (NotoSansCJK-Regular.ttc, -Bold.ttc)
whose face 0 is the Japanese one. Kivy cannot pick a face inside a collection, and the Japanese
face draws some characters (直, 骨, 这 ...) with Japanese glyph shapes a Hunan candidate would
find wrong. So the "Noto Sans CJK SC" face is extracted once into a cache directory and used by
path. Extraction is atomic (temp file, then rename) because the kiosk UI, kioskctl and the
printer may all ask at the same time on first boot.
"""

from __future__ import annotations

import hashlib
import os
from io import BytesIO
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from central_api_client.files import atomic_write

FAMILY = "Noto Sans CJK SC"
DEBIAN_PACKAGE = "fonts-noto-cjk"

# Where distributions put Noto Sans CJK: Debian/Ubuntu first, then Fedora and Arch layouts.
SYSTEM_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/share/fonts/google-noto-sans-cjk-fonts"),
    Path("/usr/share/fonts/noto-cjk"),
)


class CjkFontNotFoundError(FileNotFoundError):
    """No Noto Sans CJK on this machine: the kiosk cannot draw Chinese without it."""


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/kiosk/fonts`, else `~/.cache/kiosk/fonts`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk" / "fonts"


def cjk_font_path(
    bold: bool = False,
    *,
    cache: Path | None = None,
    search_dirs: tuple[Path, ...] | None = None,
) -> Path:
    """Path of a single-face Noto Sans CJK SC font (Regular or Bold), extracting it if needed.

    A stand-alone SC file (some distributions ship `NotoSansCJKsc-Regular.otf`) is returned as
    is. Otherwise the SC face is taken out of the collection into `cache` (default
    `cache_dir()`); the cached name carries a digest of the collection's size and mtime, so a
    font package upgrade produces a fresh extraction rather than a stale one.
    """
    weight = "Bold" if bold else "Regular"
    dirs = SYSTEM_FONT_DIRS if search_dirs is None else search_dirs
    for d in dirs:
        for name in (f"NotoSansCJKsc-{weight}.otf", f"NotoSansSC-{weight}.otf"):
            if (d / name).is_file():
                return d / name
    for d in dirs:
        collection = d / f"NotoSansCJK-{weight}.ttc"
        if collection.is_file():
            return _extract(collection, weight, cache if cache is not None else cache_dir())
    raise CjkFontNotFoundError(
        f"Noto Sans CJK {weight} not found in {', '.join(str(d) for d in dirs)}; "
        f"install the Debian package {DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE})"
    )


def _extract(collection: Path, weight: str, cache: Path) -> Path:
    st = collection.stat()
    key = hashlib.sha256(f"{collection}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:12]
    target = cache / f"NotoSansCJKsc-{weight}-{key}.otf"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    face = _find_face(collection)
    out = BytesIO()
    face.save(out)
    atomic_write(target, out.getvalue())  # a racing process replaces an identical file
    _remove_stale(cache, weight, keep=target)
    return target


def _find_face(collection: Path) -> TTFont:
    ttc = TTCollection(str(collection), lazy=True)
    for face in ttc.fonts:
        names = face["name"]
        # nameID 16 (typographic family) where present, else nameID 1; exact match, so the
        # "Noto Sans Mono CJK SC" face does not qualify.
        family = names.getDebugName(16) or names.getDebugName(1)
        if family == FAMILY:
            return face
    raise CjkFontNotFoundError(
        f"{collection} has no '{FAMILY}' face; reinstall the Debian package {DEBIAN_PACKAGE}"
    )


def _remove_stale(cache: Path, weight: str, keep: Path) -> None:
    """Drop extractions made from an older font package (each is ~16 MB)."""
    for old in cache.glob(f"NotoSansCJKsc-{weight}-*.otf"):
        if old != keep:
            old.unlink(missing_ok=True)
