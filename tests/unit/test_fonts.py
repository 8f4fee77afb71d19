"""The Simplified Chinese face extracted from the Noto Sans CJK collection."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from PIL import ImageFont

from kiosk import fonts
from kiosk.fonts import CjkFontNotFoundError, cjk_font_path

TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _family(path: Path) -> str:
    font = TTFont(str(path), lazy=True)
    name = font["name"]
    return str(name.getDebugName(16) or name.getDebugName(1))


@pytest.mark.parametrize("bold", [False, True])
def test_extracts_the_sc_face(tmp_path: Path, bold: bool) -> None:
    path = cjk_font_path(bold, cache=tmp_path)
    assert path.parent == tmp_path and path.suffix == ".otf"
    assert _family(path) == "Noto Sans CJK SC"
    assert ("Bold" in path.name) is bold
    pil = ImageFont.truetype(str(path), 32)
    assert pil.getbbox("湖南省报名")[2] > 100


def test_glyph_shapes_are_simplified_chinese_not_japanese(tmp_path: Path) -> None:
    if not TTC.is_file():
        pytest.skip("SC file comes from elsewhere on this system")
    path = cjk_font_path(cache=tmp_path)
    cmap = TTFont(str(path), lazy=True).getBestCmap()
    faces = TTCollection(str(TTC), lazy=True).fonts
    by_family = {
        family: f.getBestCmap()
        for f in faces
        if (family := str(f["name"].getDebugName(1))) in ("Noto Sans CJK SC", "Noto Sans CJK JP")
    }
    # 直 is drawn differently in Japan and China: the collection maps it to distinct glyphs.
    assert cmap[ord("直")] == by_family["Noto Sans CJK SC"][ord("直")]
    assert cmap[ord("直")] != by_family["Noto Sans CJK JP"][ord("直")]


def test_extracted_once(tmp_path: Path) -> None:
    first = cjk_font_path(cache=tmp_path)
    mtime = first.stat().st_mtime_ns
    assert cjk_font_path(cache=tmp_path) == first
    assert first.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temp files left


def test_racing_extractions_agree(tmp_path: Path) -> None:
    results: list[Path] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            results.append(cjk_font_path(cache=tmp_path))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert _family(results[0]) == "Noto Sans CJK SC"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_xdg_cache_home_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fonts.cache_dir() == tmp_path / "kiosk" / "fonts"
    assert cjk_font_path().parent == tmp_path / "kiosk" / "fonts"


def test_stale_extraction_replaced(tmp_path: Path) -> None:
    stale = tmp_path / "NotoSansCJKsc-Regular-000000000000.otf"
    stale.write_bytes(b"old")
    fresh = cjk_font_path(cache=tmp_path)
    assert fresh != stale and not stale.exists()


def test_missing_font_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(CjkFontNotFoundError, match="fonts-noto-cjk"):
        cjk_font_path(search_dirs=(tmp_path,), cache=tmp_path / "cache")


def test_standalone_sc_file_used_as_is(tmp_path: Path) -> None:
    sc = tmp_path / "NotoSansCJKsc-Regular.otf"
    sc.write_bytes(b"")
    assert cjk_font_path(search_dirs=(tmp_path,)) == sc
    assert not (tmp_path / "cache").exists()
    assert os.path.samefile(sc, cjk_font_path(search_dirs=(tmp_path,), cache=tmp_path / "c"))
