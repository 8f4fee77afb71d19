"""Layout checks on whatever the window shows now: every button a finger can reach is at least
15 mm each way and inside the window, and every label's text fits its box and its panel: what a
person notices first on a new panel size. Inside a scrolling view (a long table in large text)
a widget may lie above or below what is in view, never beside it."""

from __future__ import annotations

from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.ui.widgets.illustrations import Drawing
from kiosk.ui.widgets.picture import Picture
from kiosk.ui.widgets.signature_pad import SignaturePad

# Drawn pictures: out of their screen they cover the step bar or the footer, where no text
# check looks.
PICTURES = (Drawing, Picture, SignaturePad)


class LayoutError(Exception):
    pass


def check_layout(root: Widget, touch_min: float) -> None:
    """Raise `LayoutError` naming the first widget a person would find wrong."""
    minimum = touch_min - 0.5
    for widget in root.walk(restrict=True):
        if isinstance(widget, PICTURES) and widget.opacity > 0 and widget.height > 0 \
                and _shown(widget, root):
            _inside_frame(widget, type(widget).__name__)
        if not isinstance(widget, Label) or widget.opacity == 0 or not _shown(widget, root):
            continue
        x, y = widget.to_window(widget.x, widget.y)
        frame = _frame_of(widget)
        scrolled = isinstance(frame, ScrollView)
        if isinstance(widget, ButtonBehavior) and not widget.disabled:
            if widget.width < minimum or widget.height < minimum:
                raise LayoutError(f"button {widget.text!r} is {widget.width:.0f}x"
                                  f"{widget.height:.0f} px, under 15 mm")
            if not scrolled and (x < -1 or y < -1 or x + widget.width > Window.width + 1
                                 or y + widget.height > Window.height + 1):
                raise LayoutError(f"button {widget.text!r} lies outside the window")
        tw, th = widget.texture_size
        if widget.text and (tw > widget.width + 2 or th > widget.height + 2):
            raise LayoutError(f"text {widget.text[:12]!r} overflows its box "
                              f"({tw:.0f}x{th:.0f} in {widget.width:.0f}x{widget.height:.0f})")
        if widget.text:
            _inside_frame(widget, f"text {widget.text[:12]!r}")


def _inside_frame(widget: Widget, what: str) -> None:
    """Within its panel or screen; within a scrolling view's width (it may lie above or below
    what is in view: the candidate scrolls to it)."""
    frame = _frame_of(widget)
    if frame is None:
        return
    x, y = widget.to_window(widget.x, widget.y)
    fx, fy = frame.to_window(frame.x, frame.y)
    beside = x < fx - 2 or x + widget.width > fx + frame.width + 2
    beyond = y < fy - 2 or y + widget.height > fy + frame.height + 2
    if beside or (beyond and not isinstance(frame, ScrollView)):
        raise LayoutError(f"{what} spills out of its {type(frame).__name__}")


def _frame_of(widget: Widget) -> Widget | None:
    """The scrolling view, panel or screen a label must stay inside."""
    node = widget.parent
    while node is not None and not isinstance(node, type(widget.get_root_window())):
        if isinstance(node, ScrollView) or type(node).__name__ in ("Panel",) \
                or hasattr(node, "manager"):
            return node
        node = node.parent
    return None


def _shown(widget: Widget, root: Widget) -> bool:
    """Not inside a screen other than the current one, nor under a hidden parent."""
    node = widget
    while node is not None and node is not root:
        if node.opacity == 0 or (node.height <= 0 and node is not widget):
            return False
        if node.__class__.__name__.endswith("Screen") and hasattr(node, "manager"):
            return node.manager is not None and node.manager.current == node.name
        node = node.parent
    return True
