"""The A4 forms as PDF: every field reads back with pdftotext, the CJK face is embedded, the
photo and the signature strokes are on the page (poppler's own tools, not our renderer, read it)."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware.printer.forms_pdf import FontFile, render_form
from kiosk.core import forms
from kiosk.core.form_specimen import specimen
from kiosk.core.texts import text
from kiosk.fonts import cjk_font_path
from tests.synthetic import resident

DAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def font() -> FontFile:
    return FontFile(cjk_font_path())


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (480, 640), (40, 60, 200)).save(out, "JPEG")
    return out.getvalue()


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return _squeeze(out)


def _squeeze(words: str) -> str:
    """pdftotext drops or adds spaces between CJK characters: compare without any."""
    return "".join(words.split())


@pytest.mark.parametrize("name", sorted(forms.FORMS))
def test_every_field_of_the_form_reads_back(name, font, tmp_path):
    form = forms.FORMS[name]
    data = specimen(DAY, _photo())
    got = _text(render_form(form, data, font), tmp_path)
    assert _squeeze(text(form.title, "zh")) in got and "第1页/共1页" in got
    for row in forms.rows(form, data, "zh"):
        assert _squeeze(row.label) in got, row.key
        assert _squeeze(row.value) in got, row.key
    for step in form.steps:
        assert _squeeze(text(step, "zh")) in got, step
    assert data.document.id_number not in got  # masked, like the screen


def test_a_real_candidates_name_and_rare_characters_print_exactly(font, tmp_path):
    doc = resident(name="测试䶮乙", address="湖南省长沙市芙蓉区示例路1号" * 4)  # U+4DAE, ext. A
    data = forms.FormData(document=doc, sequence_number="43010002", point="示例点", on=DAY)
    got = _text(render_form(forms.REGISTRATION, data, font), tmp_path)
    assert "测试䶮乙" in got
    assert got.count("示例路1号") == 4  # the long address wraps, nothing is cut off


def test_the_cjk_face_is_embedded(font, tmp_path):
    path = tmp_path / "form.pdf"
    path.write_bytes(render_form(forms.PROOF_TABLE, specimen(DAY), font))
    listing = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                             text=True).stdout
    face = [line for line in listing.splitlines() if "NotoSansCJK" in line]
    assert face and " yes " in face[0]  # "emb" column


def _dark_pixels(pdf: bytes, tmp_path: Path, box: tuple[int, int, int, int]) -> int:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page.png") as page:
        return int((np.asarray(page.convert("L").crop(box)) < 100).sum())


def test_the_signature_strokes_and_the_photo_are_drawn(font, tmp_path):
    signed = specimen(DAY, _photo())
    blank = forms.FormData(document=signed.document, sequence_number="43010001", on=DAY)
    # At 50 dpi an A4 page is 413 x 585 px; the photo box is at the top right, the signature
    # box on the right below the table.
    photo_box = (350, 60, 400, 130)
    sign_box = (250, 330, 400, 520)
    with_all = render_form(forms.REGISTRATION, signed, font)
    without = render_form(forms.REGISTRATION, blank, font)
    assert _dark_pixels(with_all, tmp_path, photo_box) > 500  # the blue photo
    assert _dark_pixels(without, tmp_path, photo_box) < 200  # an empty frame and its words
    assert _dark_pixels(with_all, tmp_path, sign_box) > _dark_pixels(without, tmp_path,
                                                                     sign_box) + 40


@pytest.mark.parametrize("photo", [True, False])
def test_what_follows_the_table_starts_below_it_with_or_without_a_photo(font, tmp_path, photo):
    # Without a photo the box's own words were drawn last, and the declaration, the steps and
    # the signature box were then drawn over the table from there.
    data = specimen(DAY, _photo() if photo else None)
    got = _text(render_form(forms.MIGRANT_QUALIFICATION, data, font), tmp_path)
    last_row = forms.rows(forms.MIGRANT_QUALIFICATION, data, "zh")[-1]
    declaration = _squeeze(text("form_migrant_declaration", "zh"))
    assert got.index(_squeeze(last_row.value)) < got.index(declaration)


def test_a_form_too_long_for_one_page_goes_on_and_numbers_its_pages(font, tmp_path):
    strokes = specimen(DAY).signature_strokes
    long = forms.FormData(document=resident(address="湖南省长沙市芙蓉区示例路1号" * 45),
                          sequence_number="43010001", on=DAY, signature_strokes=strokes)
    got = _text(render_form(forms.MIGRANT_QUALIFICATION, long, font), tmp_path)
    assert "第1页/共2页" in got and "第2页/共2页" in got
    assert got.count("示例路1号") == 45  # the whole address, across the break
