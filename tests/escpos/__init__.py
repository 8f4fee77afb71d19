"""The tests' own receipt printer: an ESC/POS decoder and a fake network printer, written from
the command reference (not from the adapter or python-escpos), so the two can disagree."""
