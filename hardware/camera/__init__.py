"""Cameras: the Protocol, the factory by URI, the simulator."""

from hardware.camera.camera import FRAME_HEIGHT, FRAME_WIDTH, Camera, CameraError, Frame
from hardware.camera.factory import open_camera

__all__ = ["FRAME_HEIGHT", "FRAME_WIDTH", "Camera", "CameraError", "Frame", "open_camera"]
