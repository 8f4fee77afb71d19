"""Colours and sizes shared by every screen, so the kiosk looks like one product."""

from __future__ import annotations

PRIMARY = (0.07, 0.33, 0.64, 1)
PRIMARY_DARK = (0.04, 0.22, 0.45, 1)
ACCENT = (0.93, 0.55, 0.09, 1)
BACKGROUND = (0.95, 0.96, 0.98, 1)
SURFACE = (1, 1, 1, 1)
TEXT = (0.12, 0.14, 0.19, 1)
TEXT_MUTED = (0.38, 0.42, 0.5, 1)
DANGER = (0.78, 0.16, 0.14, 1)
SUCCESS = (0.12, 0.55, 0.3, 1)

TOUCH_TARGET_MM = 15.0  # the smallest thing a finger must hit, from the requirement
FONT_NAME = "KioskCJK"
