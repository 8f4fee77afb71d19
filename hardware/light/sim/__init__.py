"""The simulated fill light (see light.py)."""

from hardware.light.sim.light import SimulatedLight

__all__ = ["SimulatedLight"]
