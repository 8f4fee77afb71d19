"""The simulated camera (see `camera.py`)."""

from hardware.camera.sim.camera import BACKDROP_RGB, SimulatedCamera, draw_figure

__all__ = ["BACKDROP_RGB", "SimulatedCamera", "draw_figure"]
