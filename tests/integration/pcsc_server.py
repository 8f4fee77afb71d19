"""The tests' private pcscd + vpcd with the PIV emulator (`reader_uri`, `insert(card_file)`,
`remove()`): the one in `hardware.staffcard.sim.pcscd`, which `kiosk --simulate` starts too."""

from hardware.staffcard.sim.pcscd import READER_NAME, PcscError, PrivatePcscd, missing_packages

__all__ = ["READER_NAME", "PcscError", "PrivatePcscd", "missing_packages"]
