"""Byte transports for GA 467 readers: a serial port (UART or USB-serial bridge) and raw USB.

Each moves whole frames; `Ga467Reader` neither knows nor cares which one it has.
"""

from hardware.idcard.transports.base import Transport, query_float, query_int

__all__ = ["Transport", "query_float", "query_int"]
