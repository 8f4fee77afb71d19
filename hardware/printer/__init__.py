"""Receipt printers: the Protocol, the ticket renderer, the factory by URI, the simulator."""

from hardware.printer.factory import open_printer
from hardware.printer.printer import Printer, PrinterError, PrinterStatus
from hardware.printer.render import render_login_card

__all__ = ["Printer", "PrinterError", "PrinterStatus", "open_printer", "render_login_card"]
