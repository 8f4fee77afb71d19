"""The end-of-day report as an A4 PDF, in the forms' look (`forms_pdf`: the same face, title
and ruled two-column table), with the supervisor's signature line under it.

What it says is `kiosk.core.day_report.report_rows`; this module only draws.
"""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from hardware.printer.forms_pdf import LABEL_FILL, MARGIN, ROW_H, TABLE_W, FontFile, _FormPdf
from kiosk.core.day_report import DayReport, report_rows
from kiosk.core.texts import text

LABEL_W = 52.0


def render_day_report(report: DayReport, font: FontFile, *, language: str = "zh") -> bytes:
    pdf = _FormPdf(font, language)
    pdf.set_title(text("report_title", "en"))
    pdf.add_page()
    pdf.set_font("cjk", "", 17)
    pdf.set_xy(MARGIN, MARGIN)
    with pdf.bold():
        pdf.cell(TABLE_W, 10, text("report_title", language), align="C", new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
    pdf.ln(6)
    for label, value in report_rows(report, language):
        found = pdf.multi_cell(TABLE_W - LABEL_W - 4, 5.5, value, dry_run=True, output="LINES")
        lines = found if isinstance(found, list) and found else [value]
        height = max(ROW_H, 5.5 * len(lines) + 3)
        x, y = MARGIN, pdf.get_y()
        pdf.set_fill_color(*LABEL_FILL)
        pdf.rect(x, y, LABEL_W, height, style="DF")
        pdf.rect(x + LABEL_W, y, TABLE_W - LABEL_W, height)
        pdf.set_font("cjk", "", 10)
        pdf.set_xy(x + 1.5, y + (height - 5) / 2)
        pdf.cell(LABEL_W - 3, 5, label)
        pdf.set_font("cjk", "", 11)
        pdf.set_xy(x + LABEL_W + 2, y + (height - 5.5 * len(lines)) / 2)
        pdf.multi_cell(TABLE_W - LABEL_W - 4, 5.5, value)
        pdf.set_xy(MARGIN, y + height)
    pdf.ln(14)
    pdf.set_font("cjk", "", 11)
    pdf.cell(TABLE_W, 8, text("report_confirmed_by", language) + "：________________    "
             + text("report_signed_on", language) + "：________________")
    return bytes(pdf.output())
