"""The login-card ticket and the simulated printer."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware.printer import Printer, PrinterError, open_printer, render_login_card
from hardware.printer.render import MARGIN, PAPER_WIDTH_PX
from hardware.printer.sim import SimulatedPrinter
from kiosk.core.login_card import LoginCard
from kiosk.fonts import cjk_font_path


@pytest.fixture(scope="module")
def font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cjk_font_path(cache=tmp_path_factory.mktemp("fonts"))


def _card(**kw: object) -> LoginCard:
    base: dict[str, object] = {
        "sequence_number": "43010001",
        "initial_password": "20481357",
        "name": "测试甲",
        "masked_id_number": "430102********0000",
        "web_address": "",
        "printed_at": datetime(2026, 11, 24, 9, 30),
    }
    base.update(kw)
    return LoginCard(**base)  # type: ignore[arg-type]


def test_render_is_a_576px_black_and_white_ticket(font: Path) -> None:
    img = render_login_card(_card(), font)
    assert img.mode == "1" and img.width == PAPER_WIDTH_PX
    assert 700 <= img.height <= 1600
    arr = np.asarray(img.convert("L"))
    assert set(np.unique(arr)) <= {0, 255}
    assert 0.03 < (arr == 0).mean() < 0.4  # inked, but mostly paper
    assert (arr[:, : MARGIN - 2] == 255).all() and (arr[:, -(MARGIN - 2) :] == 255).all()


def test_long_values_are_shrunk_inside_the_margins(font: Path) -> None:
    card = _card(
        name="测试甲乙丙丁戊己庚辛壬癸子丑寅卯",
        web_address="https://registration.example.hneeb.cn/gaokao/online/login",
    )
    arr = np.asarray(render_login_card(card, font).convert("L"))
    assert (arr[:, : MARGIN - 2] == 255).all() and (arr[:, -(MARGIN - 2) :] == 255).all()


def test_web_address_default_is_used_when_card_has_none(font: Path) -> None:
    a = render_login_card(_card(web_address=""), font)
    b = render_login_card(_card(web_address="https://www.hneeb.cn"), font)
    c = render_login_card(_card(web_address="https://example.org"), font)
    assert a.tobytes() == b.tobytes() != c.tobytes()


def test_simulated_printer_saves_time_ordered_pngs(tmp_path: Path, font: Path) -> None:
    printer = open_printer("sim://", tmp_path, font)
    assert isinstance(printer, Printer) and isinstance(printer, SimulatedPrinter)
    assert printer.status().ok and printer.last_printout is None
    paths = []
    for seq in ("43010001", "43010002"):
        printer.print_login_card(_card(sequence_number=seq))
        assert printer.last_printout is not None
        paths.append(printer.last_printout)
    assert paths[0] != paths[1] and sorted(paths) == paths
    assert sorted(p.name for p in (tmp_path / "printouts").iterdir()) == [p.name for p in paths]
    with Image.open(paths[-1]) as im:
        assert im.format == "PNG" and im.width == PAPER_WIDTH_PX
        assert round(im.info["dpi"][0]) == 203


def test_paper_out(tmp_path: Path, font: Path) -> None:
    printer = open_printer("sim://", tmp_path, font)
    (tmp_path / "printer-paper-out").touch()
    status = printer.status()
    assert not status.ok and status.code == "paper_out" and status.paper == "out"
    with pytest.raises(PrinterError) as info:
        printer.print_login_card(_card())
    assert info.value.code == "paper_out"
    assert not (tmp_path / "printouts").exists() or not any((tmp_path / "printouts").iterdir())
    (tmp_path / "printer-paper-out").unlink()
    printer.print_login_card(_card())
    assert printer.last_printout is not None and printer.last_printout.exists()


def test_offline(tmp_path: Path, font: Path) -> None:
    printer = open_printer("sim://", tmp_path, font)
    (tmp_path / "printer-offline").touch()
    assert printer.status().code == "offline"
    with pytest.raises(PrinterError, match="offline"):
        printer.print_login_card(_card())


def test_factory_names_the_unknown_scheme(tmp_path: Path, font: Path) -> None:
    with pytest.raises(ValueError, match="unsupported printer URI scheme 'star'"):
        open_printer("star://0416:5011", tmp_path, font)


def test_render_is_quick(font: Path) -> None:
    render_login_card(_card(), font)
    t = time.perf_counter()
    render_login_card(_card(), font)
    assert time.perf_counter() - t < 1.0


def test_simulated_test_slip_carries_the_device_id(tmp_path: Path, font: Path) -> None:
    from tests.escpos.qr import read_qr_codes

    printer = open_printer("sim://", tmp_path, font)
    after = printer.print_test_receipt("SIM-0042", datetime(2026, 11, 24, 9, 30))
    assert after.ok and printer.last_printout is not None
    assert printer.last_printout.name.endswith("-test-receipt.png")
    with Image.open(printer.last_printout) as im:
        assert read_qr_codes(im) == ["SIM-0042"]


def test_simulated_near_end_prints_and_says_so(tmp_path: Path, font: Path) -> None:
    printer = open_printer("sim://", tmp_path, font)
    (tmp_path / "printer-paper-near-end").touch()
    after = printer.print_login_card(_card())
    assert (after.ok, after.paper) == (True, "near_end") and printer.last_printout is not None
