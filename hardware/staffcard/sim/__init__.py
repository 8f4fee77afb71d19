"""The project's own PIV card emulator, for tests and `kiosk --simulate` only.

Written from NIST SP 800-73-4 (and ../shared/reference/staff-card.md), never from the adapter
(`hardware.staffcard.pcsc`), so that when one of them misreads the specification the tests see
the two disagree. `piv.py` answers APDUs, `state.py` keeps a card's keys, objects and PIN in a
file across insertions, `vpcd.py` speaks vsmartcard's vpcd protocol as a TCP client:
connecting is inserting the card, closing the socket is pulling it out.
"""
