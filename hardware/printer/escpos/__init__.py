"""ESC/POS receipt printers through python-escpos: status bytes, device URIs, the adapter."""
