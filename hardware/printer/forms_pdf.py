"""A4 forms as PDF (fpdf2), laid out like the province's paper forms.

What each form holds is `kiosk.core.forms` (the rows the check screen shows too); this module only
draws: the title, a ruled two-column table (Chinese label over its English one, then the value),
the standard photo in its box beside the first rows, the sentence the candidate signs under, the
form's step table (who signs each remaining step), the signature box with the candidate's strokes
drawn as lines, and "page N of M" at the foot of every page.

The font is the Noto Sans CJK SC face, embedded and subset (only the glyphs used), so a rare
character in a name prints as the card has it. The caller passes its path (`kiosk.fonts` finds
it; hardware may not import the kiosk). One face only: loading and subsetting a 65 000-glyph CJK
face costs about half a second each, so titles are made bold by stroking the outlines (PDF text
render mode 2) rather than by embedding the Bold face too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from hardware.printer.font_file import FontFile
from kiosk.core import forms
from kiosk.core.texts import text

__all__ = ["Box", "FontFile", "render_form", "render_form_with_boxes"]

PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
MARGIN = 15.0
TABLE_W = PAGE_W - 2 * MARGIN
LABEL_W = 34.0
ROW_H = 10.0
PHOTO_W, PHOTO_H = 33.0, 44.0  # the standard photo's 3:4 (480 x 640), as a printed 1-inch-ish box
# The frame is as tall as the rows beside the photo (5 rows, 50 mm) and this much wider than the
# photo, so the photo sits mounted with an even white border instead of touching the sides.
PHOTO_FRAME_W = PHOTO_W + 4.0
PHOTO_GAP = 4.0
SIGN_W, SIGN_H = 80.0, 28.0
FOOT_Y = PAGE_H - 12.0
BOTTOM = PAGE_H - 20.0  # rows below this go on the next page
LINE = (0, 0, 0)
LABEL_FILL = (238, 238, 238)
# A fixed creation date keeps the same form's PDF byte-identical between runs (tests, caching).
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Box:
    """Where a box the candidate's photo or signature goes in was drawn: its page (from 1) and
    its frame in mm from the page's top left. Tests look inside it on the printed page."""

    page: int
    x: float
    y: float
    w: float
    h: float


class _FormPdf(FPDF):
    def __init__(self, font: FontFile, language: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.language = language
        self.add_font("cjk", "", str(font.path), collection_font_number=font.index)
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_creation_date(EPOCH)
        self.set_draw_color(*LINE)
        self.specimen = False
        self.boxes: dict[str, Box] = {}

    def header(self) -> None:
        if self.specimen:  # a light mark, drawn first: it must not hide a field
            self.set_font("cjk", "", 40)
            self.set_text_color(225, 225, 225)
            self.set_xy(0, PAGE_H / 2 - 20)
            with self.bold():
                self.cell(PAGE_W, 20, text("form_specimen", "zh") + " "
                          + text("form_specimen", "en"), align="C")
            self.set_text_color(0, 0, 0)

    @contextmanager
    def bold(self) -> Iterator[None]:
        """Bold by stroking the outlines in the text colour as well as filling them; in a
        saved graphics state (q/Q), since the PDF keeps the text mode across text objects."""
        with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.25,
                                draw_color=self.text_color):
            yield

    def footer(self) -> None:
        self.set_font("cjk", "", 9)
        self.set_xy(MARGIN, FOOT_Y)
        words = text("form_page", "zh", page=self.page_no(), pages="{nb}")
        self.cell(TABLE_W, 5, words, align="C")


def render_form(
    form: forms.Form,
    data: forms.FormData,
    font: FontFile,
    *,
    language: str = "zh",
    specimen: bool = False,
) -> bytes:
    """The form filled with `data`, as PDF bytes."""
    return render_form_with_boxes(form, data, font, language=language, specimen=specimen)[0]


def render_form_with_boxes(
    form: forms.Form,
    data: forms.FormData,
    font: FontFile,
    *,
    language: str = "zh",
    specimen: bool = False,
) -> tuple[bytes, dict[str, Box]]:
    """`render_form`, and where its "photo" and "signature" boxes are (those the form has), so
    a test can check that a printed page has ink in them without knowing the layout."""
    pdf = _FormPdf(font, language)
    pdf.specimen = specimen
    pdf.set_title(text(form.title, "en"))
    pdf.add_page()
    _title(pdf, form)
    _table(pdf, form, forms.rows(form, data, language), data)
    if form.declaration:
        _paragraph(pdf, text(form.declaration, language))
    if form.steps:
        _steps(pdf, form)
    if form.signature:
        _signature(pdf, data)
    return bytes(pdf.output()), dict(pdf.boxes)


def _title(pdf: _FormPdf, form: forms.Form) -> None:
    pdf.set_font("cjk", "", 17)
    pdf.set_xy(MARGIN, MARGIN)
    with pdf.bold():
        pdf.cell(TABLE_W, 10, text(form.title, "zh"), align="C", new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 9)
    pdf.cell(TABLE_W, 5, text(form.title, "en"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _value_lines(pdf: _FormPdf, width: float, value: str) -> list[str]:
    pdf.set_font("cjk", "", 11)
    lines = pdf.multi_cell(width - 4, 5.5, value, dry_run=True, output="LINES")
    return [str(line) for line in lines] if isinstance(lines, list) and lines else [""]


def _ensure_room(pdf: _FormPdf, height: float) -> None:
    if pdf.get_y() + height > BOTTOM:
        pdf.add_page()
        pdf.set_y(MARGIN)


def _table(pdf: _FormPdf, form: forms.Form, rows: list[forms.Row], data: forms.FormData) -> None:
    top = pdf.get_y()
    photo_bottom = top + PHOTO_H if form.photo else top
    frame_bottom = top  # the photo's frame reaches down to the last row beside it
    for row in rows:
        beside_photo = pdf.get_y() < photo_bottom
        width = TABLE_W - (PHOTO_FRAME_W + PHOTO_GAP if beside_photo else 0)
        value_w = width - LABEL_W
        lines = _value_lines(pdf, value_w, row.value)
        height = max(ROW_H, 5.5 * len(lines) + 3)
        _ensure_room(pdf, height)
        x, y = MARGIN, pdf.get_y()
        pdf.set_fill_color(*LABEL_FILL)
        pdf.rect(x, y, LABEL_W, height, style="DF")
        pdf.rect(x + LABEL_W, y, value_w, height)
        pdf.set_font("cjk", "", 10)
        pdf.set_xy(x + 1.5, y + height / 2 - 4.2)
        pdf.cell(LABEL_W - 3, 4.6, row.label)
        pdf.set_font("cjk", "", 6.5)
        pdf.set_xy(x + 1.5, y + height / 2 + 0.4)
        pdf.cell(LABEL_W - 3, 3.4, text(f"field_{row.key}", "en"))
        pdf.set_font("cjk", "", 11)
        text_top = y + (height - 5.5 * len(lines)) / 2
        for i, line in enumerate(lines):
            pdf.set_xy(x + LABEL_W + 2, text_top + 5.5 * i)
            if row.key == "sequence_number":
                with pdf.bold():
                    pdf.cell(value_w - 4, 5.5, line)
            else:
                pdf.cell(value_w - 4, 5.5, line)
        pdf.set_xy(MARGIN, y + height)
        if beside_photo:
            frame_bottom = y + height
    if form.photo:
        table_bottom, page = pdf.get_y(), pdf.page
        frame_bottom = max(frame_bottom, photo_bottom)
        pdf.page = 1  # the photo sits beside the first rows, whichever page the table ended on
        _photo(pdf, MARGIN + TABLE_W - PHOTO_FRAME_W, top, frame_bottom - top, data.photo_jpeg)
        pdf.page = page
        pdf.set_y(table_bottom if page > 1 else max(table_bottom, frame_bottom))


def _photo(pdf: _FormPdf, x: float, y: float, frame_h: float, jpeg: bytes | None) -> None:
    """The photo box: a frame as tall as the rows beside it, the 3:4 photo centred inside."""
    pdf.rect(x, y, PHOTO_FRAME_W, frame_h)
    pdf.boxes["photo"] = Box(pdf.page, x, y, PHOTO_FRAME_W, frame_h)
    inner_x, inner_y = x + (PHOTO_FRAME_W - PHOTO_W) / 2, y + (frame_h - PHOTO_H) / 2
    if jpeg:
        pdf.image(BytesIO(jpeg), x=inner_x, y=inner_y, w=PHOTO_W, h=PHOTO_H,
                  keep_aspect_ratio=True)
        return
    pdf.set_font("cjk", "", 10)
    pdf.set_xy(x, y + frame_h / 2 - 5)
    pdf.cell(PHOTO_FRAME_W, 5, text("form_photo", "zh"), align="C")
    pdf.set_font("cjk", "", 7)
    pdf.set_xy(x, y + frame_h / 2)
    pdf.cell(PHOTO_FRAME_W, 4, text("form_photo", "en"), align="C")


def _paragraph(pdf: _FormPdf, words: str) -> None:
    pdf.ln(4)
    _ensure_room(pdf, 12)
    pdf.set_font("cjk", "", 10.5)
    pdf.set_x(MARGIN)
    pdf.multi_cell(TABLE_W, 6, words, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _steps(pdf: _FormPdf, form: forms.Form) -> None:
    """The steps still to come, one ruled row each, with room for a signature and a date."""
    pdf.ln(3)
    widths = (TABLE_W * 0.42, TABLE_W * 0.36, TABLE_W * 0.22)
    heads = ("form_step", "form_handler", "form_step_date")
    _ensure_room(pdf, 9 + 16 * len(form.steps))
    y = pdf.get_y()
    x = MARGIN
    pdf.set_fill_color(*LABEL_FILL)
    for w, key in zip(widths, heads, strict=True):
        pdf.rect(x, y, w, 9, style="DF")
        pdf.set_font("cjk", "", 10)
        pdf.set_xy(x, y + 0.8)
        pdf.cell(w, 4.4, text(key, "zh"), align="C")
        pdf.set_font("cjk", "", 6.5)
        pdf.set_xy(x, y + 5)
        pdf.cell(w, 3.2, text(key, "en"), align="C")
        x += w
    y += 9
    for step in form.steps:
        x = MARGIN
        for w in widths:
            pdf.rect(x, y, w, 16)
            x += w
        pdf.set_font("cjk", "", 10.5)
        pdf.set_xy(MARGIN + 2, y + 4)
        pdf.cell(widths[0] - 4, 5, text(step, "zh"))
        pdf.set_font("cjk", "", 7)
        pdf.set_xy(MARGIN + 2, y + 9)
        pdf.cell(widths[0] - 4, 4, text(step, "en"))
        y += 16
    pdf.set_xy(MARGIN, y)


def _signature(pdf: _FormPdf, data: forms.FormData) -> None:
    """The candidate's signature box, bottom right, with the strokes as drawn on the pad."""
    pdf.ln(5)
    _ensure_room(pdf, SIGN_H + 2)
    x = MARGIN + TABLE_W - SIGN_W
    y = pdf.get_y()
    pdf.set_font("cjk", "", 10.5)
    pdf.set_xy(x - 40, y + SIGN_H / 2 - 5)
    pdf.cell(38, 5, text("form_signature", "zh") + "：", align="R")
    pdf.set_font("cjk", "", 7)
    pdf.set_xy(x - 40, y + SIGN_H / 2)
    pdf.cell(38, 4, text("form_signature", "en"), align="R")
    pdf.rect(x, y, SIGN_W, SIGN_H)
    pdf.boxes["signature"] = Box(pdf.page, x, y, SIGN_W, SIGN_H)
    pdf.set_line_width(0.45)
    for stroke in data.signature_strokes:
        points = [(x + 2 + px * (SIGN_W - 4), y + 2 + (1 - py) * (SIGN_H - 4))
                  for px, py, _t in stroke]
        if len(points) == 1:
            points.append((points[0][0] + 0.3, points[0][1]))
        if points:
            pdf.polyline(points)
    pdf.set_line_width(0.2)
    pdf.set_xy(MARGIN, y + SIGN_H)
