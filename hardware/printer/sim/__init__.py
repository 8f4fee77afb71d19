"""The simulated printer (see `printer.py`)."""

from hardware.printer.sim.printer import SimulatedPrinter

__all__ = ["SimulatedPrinter"]
