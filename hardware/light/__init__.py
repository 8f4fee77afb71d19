"""The fill light: the Protocol, the guard that keeps failures from blocking, the factory."""

from hardware.light.factory import open_light
from hardware.light.light import FillLight, GuardedLight, LightError

__all__ = ["FillLight", "GuardedLight", "LightError", "open_light"]
