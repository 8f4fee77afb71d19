"""The login card (网报登录卡) as a receipt image: the one picture every printer prints.

576 dots wide at 203 dpi (the printable width of an 80 mm thermal roll; 384 for 58 mm rolls),
pure black on white (mode "1"), so the simulator's PNG is dot for dot what a thermal head
would burn. Text is drawn with the CJK font rather than sent as characters, so a rare name
character prints exactly, whatever fonts the printer has. The QR code is drawn here too (the
printers' own QR commands cannot be centred and vary by model). Font sizes
stay at 22 px (≈2.8 mm) or more so thresholded glyphs remain legible. The candidate will type
the sequence number and password from this slip at home: those two are the largest things on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.core.login_card import LoginCard, login_card_qr

PAPER_WIDTH_PX = 576
PAPER_WIDTHS_PX = (576, 384)
DPI = 203
DEFAULT_WEB_ADDRESS = "https://www.hneeb.cn"
MARGIN = 28
NOTES = ("请妥善保管本卡，勿将密码告知他人。", "登录后请立即修改密码。")

_INK = 0
_PAPER = 255


class _Ticket:
    """A tall greyscale canvas with a cursor; cropped and thresholded at the end."""

    def __init__(self, font_path: Path, width: int = PAPER_WIDTH_PX) -> None:
        if width not in PAPER_WIDTHS_PX:
            raise ValueError(f"paper width must be one of {PAPER_WIDTHS_PX} dots, not {width}")
        self.font_path = str(font_path)
        self.w = width
        self.img = Image.new("L", (width, 2400), _PAPER)
        self.d = ImageDraw.Draw(self.img)
        self.y = MARGIN
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}
        self.inner = width - 2 * MARGIN

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._fonts:
            self._fonts[size] = ImageFont.truetype(self.font_path, size)
        return self._fonts[size]

    def width(self, text: str, size: int, tracking: int = 0, bold: bool = False) -> float:
        f = self.font(size)
        extra = 2 if bold else 0
        if tracking:
            return sum(f.getlength(c) for c in text) + tracking * (len(text) - 1) + extra
        return f.getlength(text) + extra

    def fit(self, text: str, size: int, max_w: float, tracking: int = 0, bold: bool = False) -> int:
        """The largest size ≤ `size` at which `text` fits `max_w` (long names, long URLs)."""
        while size > 18 and self.width(text, size, tracking, bold) > max_w:
            size -= 1
        return size

    def text(
        self,
        text: str,
        size: int,
        *,
        x: float | None = None,
        bold: bool = False,
        tracking: int = 0,
        max_w: float | None = None,
        advance: bool = True,
    ) -> int:
        """Draw one line; centred when `x` is None. Returns the size actually used."""
        size = self.fit(text, size, max_w if max_w is not None else self.inner, tracking, bold)
        f = self.font(size)
        w = self.width(text, size, tracking, bold)
        left = (self.w - w) / 2 if x is None else x
        stroke = 1 if bold else 0
        # Anchor "ls" (left, baseline) with the baseline at cursor + ascent: lines with and
        # without descenders then sit on the same grid.
        ascent, descent = f.getmetrics()
        base = self.y + ascent
        if tracking:
            cx = left
            for c in text:
                self.d.text((cx, base), c, font=f, fill=_INK, anchor="ls", stroke_width=stroke,
                            stroke_fill=_INK)
                cx += f.getlength(c) + tracking
        else:
            self.d.text((left, base), text, font=f, fill=_INK, anchor="ls", stroke_width=stroke,
                        stroke_fill=_INK)
        if advance:
            self.y += ascent + descent
        return size

    def gap(self, px: int) -> None:
        self.y += px

    def rule(self, thickness: int = 2, dashed: bool = False) -> None:
        y = self.y
        if dashed:
            for x in range(MARGIN, self.w - MARGIN, 16):
                self.d.rectangle((x, y, min(x + 8, self.w - MARGIN), y + thickness - 1),
                                 fill=_INK)
        else:
            self.d.rectangle((MARGIN, y, self.w - MARGIN, y + thickness - 1), fill=_INK)
        self.y += thickness

    def boxed(self, draw_inside: Callable[[], object], pad: int = 12, border: int = 3) -> None:
        """Run `draw_inside` and frame what it drew: the numbers a candidate must copy stand out."""
        top = self.y
        self.y += pad + border
        draw_inside()
        self.y += pad + border
        self.d.rectangle((MARGIN, top, self.w - MARGIN - 1, self.y), outline=_INK,
                         width=border)
        self.y += 1

    def field(self, label: str, value: str, size: int = 28) -> None:
        label_w = self.width("身份证号", size) + 20
        self.text(label, size - 2, x=MARGIN, advance=False)
        self.text(value, size, x=MARGIN + label_w, max_w=self.inner - label_w, bold=True)
        self.gap(10)

    def qr(self, content: str) -> None:
        """A centred QR code (error correction M), with the quiet zone of four modules kept."""
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(content)
        code.make(fit=True)
        matrix = code.get_matrix()
        box = 5 if self.w >= 576 else 4  # ≈0.6 mm / 0.5 mm modules at 203 dpi
        side = len(matrix) * box
        left = (self.w - side) // 2
        self.gap(4 * box)
        for row, cells in enumerate(matrix):
            for col, dark in enumerate(cells):
                if dark:
                    x, y = left + col * box, self.y + row * box
                    self.d.rectangle((x, y, x + box - 1, y + box - 1), fill=_INK)
        self.y += side + 4 * box

    def finish(self) -> Image.Image:
        height = self.y + MARGIN + 24  # room before the cutter
        grey = self.img.crop((0, 0, self.w, height))
        return grey.point(lambda v: _PAPER if v >= 128 else _INK, mode="1")


def _group(digits: str, n: int = 4) -> str:
    return " ".join(digits[i : i + n] for i in range(0, len(digits), n))


def render_login_card(
    card: LoginCard,
    font_path: Path,
    *,
    default_web_address: str = DEFAULT_WEB_ADDRESS,
    width: int = PAPER_WIDTH_PX,
) -> Image.Image:
    """The ticket for `card` as a mode "1" image `width` px wide, height as the content needs.

    `card.web_address` is printed when set, else `default_web_address` (until the signed
    config carries the province's address). The ID number is printed exactly as given: the
    caller passes it masked.
    """
    t = _Ticket(font_path, width)
    web_address = card.web_address or default_web_address
    t.text(card.title, 34, bold=True)
    t.gap(6)
    t.text("现场报名 · 自助终端", 22)
    t.gap(14)
    t.rule(4)
    t.gap(22)

    t.text("报名序号", 26, x=MARGIN)
    t.gap(8)
    t.boxed(lambda: t.text(card.sequence_number, 80, bold=True, tracking=10), pad=10)
    t.gap(22)

    password = card.initial_password
    t.text(f"初始密码（{len(password)}位数字）", 26, x=MARGIN)
    t.gap(8)
    t.boxed(lambda: t.text(_group(password), 60, bold=True, tracking=6), pad=8)
    t.gap(24)

    t.field("姓　　名", card.name)
    t.field("身份证号", card.masked_id_number)
    t.field("打印时间", card.printed_at.strftime("%Y-%m-%d %H:%M"))
    t.gap(8)
    t.rule(2, dashed=True)
    t.gap(18)

    t.text("网上报名网址", 26, x=MARGIN)
    t.gap(6)
    t.text(web_address, 32, bold=True)
    t.gap(22)

    def notes() -> None:
        lines: list[str] = []
        for note in NOTES:  # on a 58 mm roll a note would not fit one line: break after "，"
            head, comma, tail = note.partition("，")
            if comma and t.width(f"· {note}", 22) > t.inner - 32:
                lines += [f"· {head}{comma}", f"　 {tail}"]
            else:
                lines.append(f"· {note}")
        for i, line in enumerate(lines):
            t.text(line, 24, x=MARGIN + 16, max_w=t.inner - 32)
            if i < len(lines) - 1:
                t.gap(6)

    t.boxed(notes, pad=12, border=2)
    t.qr(login_card_qr(card.sequence_number, web_address))
    t.text("扫码打开网上报名网址", 22)
    return t.finish()


TEST_RECEIPT_TITLE = "湖南省普通高考现场报名自助终端"


def render_test_receipt(
    device_id: str, printed_at: datetime, font_path: Path, *, width: int = PAPER_WIDTH_PX
) -> Image.Image:
    """The technician's test slip: the kiosk's title, the device id, the time, a QR code of the
    device id. Exercises what a login card needs (CJK text as an image, a QR code, the cut)
    without any candidate's data."""
    t = _Ticket(font_path, width)
    t.text(TEST_RECEIPT_TITLE, 30, bold=True)
    t.gap(6)
    t.text("打印机测试页 · Printer test", 24)
    t.gap(14)
    t.rule(3)
    t.gap(18)
    t.field("设备编号", device_id, size=26)
    t.field("打印时间", printed_at.strftime("%Y-%m-%d %H:%M:%S"), size=26)
    t.qr(device_id)
    return t.finish()
