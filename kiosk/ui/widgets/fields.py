"""Label/value rows in a grid, as the identity and check screens show them.

Which rows, in which order, is `kiosk.core.forms`: the same definition the paper forms print.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from kiosk.core.forms import Row


class FieldLabel(Label):
    pass


class FieldValue(Label):
    emphasis = BooleanProperty(False)  # the one value to find first (the sequence number)


def fill(grid: GridLayout, rows: list[Row]) -> None:
    grid.clear_widgets()
    for row in rows:
        grid.add_widget(FieldLabel(text=row.label))
        grid.add_widget(FieldValue(text=row.value))
