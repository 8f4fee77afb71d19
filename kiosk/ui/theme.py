"""Colours and sizes shared by every screen, so the kiosk looks like one product.

Colours come in palettes: the kiosk's own (`NORMAL`) and the high-contrast one a candidate
switches on with the footer's large-text button (`HIGH_CONTRAST`: near-black ground, white and
yellow text, strong borders). The app holds the palette in force (`app.colors`); kv files and
drawn widgets read every colour from it, so a switch redraws every screen at once. No colour is
written anywhere else: a colour outside the palette would stay as it was in high contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[float, float, float, float]

TOUCH_TARGET_MM = 15.0  # the smallest thing a finger must hit, from the requirement
FONT_NAME = "KioskCJK"
# How much each text size grows in large-text mode (app.fs_small ... fs_title): the smaller
# the text, the more, since small text is what a weak eye cannot read. Titles are already
# large and the countdown's digits a quarter of the window: they grow less, or not at all.
LARGE_TEXT_SCALE = {"small": 1.4, "body": 1.4, "button": 1.3, "title": 1.2, "countdown": 1.0}


@dataclass(frozen=True)
class Palette:
    """Every colour a screen draws, by its job (not its hue)."""

    name: str
    background: RGBA  # the window's ground (cleared, never drawn)
    surface: RGBA  # panels, the step bar, the footer, secondary buttons
    text: RGBA
    text_muted: RGBA  # captions, field labels: secondary, still readable
    primary: RGBA  # the header, primary buttons, secondary buttons' words and borders
    primary_dark: RGBA  # a primary button held down
    on_primary: RGBA  # words on primary (the header, primary buttons, the current step)
    pressed: RGBA  # a secondary button held down
    accent: RGBA  # "look here": photo guidance, staff called, a warning sign
    danger: RGBA
    success: RGBA
    mark: RGBA  # the glyph on a drawn sign (the "!" on accent, the tick on success)
    chip_done: RGBA  # step bar: a step done (its words in primary)
    chip_todo: RGBA  # step bar: a step to come (its words in text_muted)
    alert_background: RGBA  # the footer while a staff alert shows (its words in danger)
    good_background: RGBA  # photo guidance while the face is in place (words in success)
    warn_background: RGBA  # photo guidance otherwise (words in accent or danger)
    input_background: RGBA  # staff's text fields
    placeholder: RGBA  # where a picture would be (a card without a chip photo)
    guide_line: RGBA  # the signature pad's baseline
    panel_border: RGBA  # the edge of a panel against the ground
    art_dark: RGBA  # the drawn card reader
    art_card: RGBA  # the drawn ID card
    art_detail: RGBA  # the card's photo and lines
    border_width: float  # buttons' and panels' edges, in pixels


NORMAL = Palette(
    name="normal",
    background=(0.95, 0.96, 0.98, 1),
    surface=(1, 1, 1, 1),
    text=(0.12, 0.14, 0.19, 1),
    text_muted=(0.38, 0.42, 0.5, 1),
    primary=(0.07, 0.33, 0.64, 1),
    primary_dark=(0.04, 0.22, 0.45, 1),
    on_primary=(1, 1, 1, 1),
    pressed=(0.88, 0.92, 0.97, 1),
    accent=(0.93, 0.55, 0.09, 1),
    danger=(0.78, 0.16, 0.14, 1),
    success=(0.12, 0.55, 0.3, 1),
    mark=(1, 1, 1, 1),
    chip_done=(0.87, 0.92, 0.98, 1),
    chip_todo=(0.93, 0.94, 0.96, 1),
    alert_background=(1, 0.93, 0.9, 1),
    good_background=(0.92, 0.97, 0.93, 1),
    warn_background=(1, 0.96, 0.9, 1),
    input_background=(0.93, 0.94, 0.96, 1),
    placeholder=(0.92, 0.94, 0.97, 1),
    guide_line=(0.75, 0.8, 0.88, 1),
    panel_border=(1, 1, 1, 1),  # none to see: a white panel on a pale ground
    art_dark=(0.2, 0.24, 0.3, 1),
    art_card=(0.86, 0.92, 0.99, 1),
    art_detail=(0.6, 0.68, 0.8, 1),
    border_width=1.6,
)

# Yellow and white on near-black: the pairing low-vision guidance recommends, every text
# pair at least 7:1 (WCAG AAA; tests/unit/test_theme.py computes each).
HIGH_CONTRAST = Palette(
    name="high_contrast",
    background=(0.0, 0.0, 0.0, 1),
    surface=(0.06, 0.06, 0.06, 1),
    text=(1, 1, 1, 1),
    text_muted=(1, 0.93, 0.6, 1),
    primary=(1, 0.85, 0.0, 1),
    primary_dark=(0.85, 0.7, 0.0, 1),
    on_primary=(0, 0, 0, 1),
    pressed=(0.2, 0.18, 0.0, 1),
    accent=(1, 0.72, 0.3, 1),
    danger=(1, 0.6, 0.55, 1),
    success=(0.45, 0.95, 0.5, 1),
    mark=(0, 0, 0, 1),
    chip_done=(0.16, 0.16, 0.16, 1),
    chip_todo=(0.06, 0.06, 0.06, 1),
    alert_background=(0.2, 0.0, 0.0, 1),
    good_background=(0.0, 0.14, 0.02, 1),
    warn_background=(0.16, 0.1, 0.0, 1),
    input_background=(0.16, 0.16, 0.16, 1),
    placeholder=(0.16, 0.16, 0.16, 1),
    guide_line=(0.6, 0.6, 0.6, 1),
    panel_border=(1, 1, 1, 1),
    art_dark=(0.75, 0.75, 0.75, 1),
    art_card=(0.1, 0.1, 0.1, 1),
    art_detail=(1, 0.93, 0.6, 1),
    border_width=3.0,
)

# Which words are drawn on which ground, as the kv files pair them: the contrast test walks
# these (foreground field, background field).
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"), ("text", "surface"),
    ("text_muted", "background"), ("text_muted", "surface"),
    ("primary", "background"), ("primary", "surface"), ("primary", "pressed"),
    ("on_primary", "primary"), ("on_primary", "primary_dark"),
    ("primary", "chip_done"), ("text_muted", "chip_todo"),
    ("danger", "background"), ("danger", "surface"), ("danger", "alert_background"),
    ("primary", "alert_background"),
    ("success", "background"), ("success", "good_background"),
    ("accent", "background"), ("accent", "surface"), ("accent", "warn_background"),
    ("danger", "warn_background"),
    ("text", "input_background"), ("text_muted", "placeholder"),
)
# Edges and glyphs that must be seen (non-text contrast): a button's border, a panel's edge,
# the signs' glyphs.
EDGE_PAIRS: tuple[tuple[str, str], ...] = (
    ("primary", "surface"), ("primary", "background"), ("panel_border", "background"),
    ("mark", "accent"), ("mark", "success"),
)


def palette(high_contrast: bool) -> Palette:
    return HIGH_CONTRAST if high_contrast else NORMAL
