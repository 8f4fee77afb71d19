"""The palettes: high contrast is readable by the WCAG's own arithmetic (relative luminance,
contrast ratio), every pair of words and ground the screens draw at least 7:1, its edges at
least 3:1; and the two palettes name the same colours, so a switch leaves nothing unchanged."""

from __future__ import annotations

import pytest

from kiosk.ui import theme


def _channel(c: float) -> float:
    """sRGB to linear light (WCAG 2.x's definition of relative luminance)."""
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgba: tuple[float, ...]) -> float:
    r, g, b = (_channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_contrast_arithmetic_matches_the_wcag_reference_values():
    assert contrast((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)
    assert contrast((1, 1, 1, 1), (1, 1, 1, 1)) == pytest.approx(1.0)
    # #777777 on white is the well-known 4.48:1, just under AA.
    assert contrast((0x77 / 255,) * 3, (1, 1, 1)) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("fg", "bg"), theme.TEXT_PAIRS)
def test_every_text_in_high_contrast_is_at_least_7_to_1(fg, bg):
    p = theme.HIGH_CONTRAST
    ratio = contrast(getattr(p, fg), getattr(p, bg))
    assert ratio >= 7.0, f"{fg} on {bg}: {ratio:.2f}:1"


@pytest.mark.parametrize(("fg", "bg"), theme.EDGE_PAIRS)
def test_high_contrast_edges_are_seen(fg, bg):
    p = theme.HIGH_CONTRAST
    assert contrast(getattr(p, fg), getattr(p, bg)) >= 3.0
    assert p.border_width >= 2 * theme.NORMAL.border_width - 0.5


def test_body_text_in_the_normal_palette_is_at_least_7_to_1_too():
    p = theme.NORMAL
    assert contrast(p.text, p.background) >= 7.0 and contrast(p.text, p.surface) >= 7.0


def test_high_contrast_is_a_dark_ground():
    p = theme.HIGH_CONTRAST
    assert luminance(p.background) < 0.01 and luminance(p.surface) < 0.01


def test_every_colour_a_kv_file_sets_comes_from_the_palette():
    """A colour written into a kv file would stay as it is when the candidate switches to high
    contrast. Only the countdown's digits over the camera's picture (white, outlined in black)
    are fixed: they lie on the photo, not on the ground."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
    setting = re.compile(r"^\s*(\w*color|rgba):\s*(.+)$")
    fixed = {("photo.kv", "color", "1, 1, 1, 0.95"), ("photo.kv", "outline_color", "0, 0, 0")}
    written = [(p.name, m.group(1), m.group(2).strip()) for p in root.rglob("*.kv")
               for line in p.read_text(encoding="utf-8").splitlines()
               if (m := setting.match(line)) and "app.colors" not in m.group(2)]
    assert set(written) == fixed, written
    theme_constants = [(p.name, m.group(0)) for p in root.rglob("*.kv")
                       for m in re.finditer(r"theme\.(\w+)", p.read_text(encoding="utf-8"))
                       if m.group(1) != "FONT_NAME"]
    assert not theme_constants, theme_constants
