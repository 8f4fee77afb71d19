"""The line finder the journey test reads login cards with: it finds each line that is printed,
and misses a line with a digit wrong, missing or extra, another name, or a line cut short."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from hardware.printer.render import render_login_card
from kiosk.core.login_card import LoginCard
from kiosk.fonts import cjk_font_path
from tests.escpos.read_lines import find_line


@pytest.fixture(scope="module")
def font() -> Path:
    return cjk_font_path()


@pytest.fixture(scope="module")
def card(font: Path) -> Image.Image:
    return render_login_card(LoginCard(
        sequence_number="43010007", initial_password="20481357", name="测试乙",
        masked_id_number="430102********0000", web_address="",
        printed_at=datetime(2026, 11, 24, 9, 30)), font)


@pytest.mark.parametrize("line", ["43010007", "2048 1357", "测试乙", "2026-11-24 09:30"])
def test_a_printed_line_is_found(card: Image.Image, font: Path, line: str) -> None:
    found = find_line(card, line, font)
    assert found is not None and found.score > 0.9


@pytest.mark.parametrize("line", [
    "43010001",  # a digit wrong
    "43010070",  # two digits swapped
    "4301007",  # a digit fewer than printed
    "430100077",  # a digit more than printed
    "20481358",  # the password's last digit wrong
    "测试甲",  # another name
    "测试",  # the start of the name only
    "430102",  # the start of a longer line only
])
def test_a_line_not_printed_is_not_found(card: Image.Image, font: Path, line: str) -> None:
    assert find_line(card, line, font) is None
