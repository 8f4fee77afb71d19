"""Label/value rows of a document, as the identity and check screens show them."""

from __future__ import annotations

from datetime import date

from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from kiosk.core.documents import IdentityDocument
from kiosk.core.nations import nation_name
from kiosk.core.texts import text


class FieldLabel(Label):
    pass


class FieldValue(Label):
    pass


def _date(d: date | None, language: str) -> str:
    return text("long_term", language) if d is None else f"{d.year}年{d.month}月{d.day}日"


def document_rows(doc: IdentityDocument, language: str, full: bool) -> list[tuple[str, str]]:
    """What a candidate checks: the identity screen shows the essentials, `full` adds the rest."""
    rows = [
        (text("field_name", language), doc.name),
        (text("field_sex", language), text(f"sex_{doc.sex.value}", language)),
    ]
    if doc.english_name:
        rows.append((text("field_english_name", language), doc.english_name))
    if doc.nation:
        rows.append((text("field_nation", language), nation_name(doc.nation) or ""))
    if doc.nationality:
        rows.append((text("field_nationality", language), doc.nationality))
    rows += [
        (text("field_birth_date", language), _date(doc.birth_date, language)),
        (text("field_id_number", language), doc.masked_id_number),
        (text("field_card_type", language), text(f"card_type_{doc.card_type.value}", language)),
    ]
    if full:
        rows.append(
            (
                text("field_validity", language),
                f"{_date(doc.valid_from, language)} — {_date(doc.valid_to, language)}",
            )
        )
        if doc.address:
            rows.append((text("field_address", language), doc.address))
    return rows


def fill(grid: GridLayout, rows: list[tuple[str, str]]) -> None:
    grid.clear_widgets()
    for label, value in rows:
        grid.add_widget(FieldLabel(text=label))
        grid.add_widget(FieldValue(text=value))
