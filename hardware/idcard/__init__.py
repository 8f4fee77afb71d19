"""ID card readers (GA 467): the Protocol, the factory by URI, the card watcher, the simulator."""

from hardware.idcard.factory import open_idcard_reader
from hardware.idcard.reader import IdCardReader, ReaderError, ReaderHealth

__all__ = ["IdCardReader", "ReaderError", "ReaderHealth", "open_idcard_reader"]
