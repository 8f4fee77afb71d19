"""Staff smart cards: PIV over PC/SC (pyscard); see `card.py` for what the kiosk needs."""
