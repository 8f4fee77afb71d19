"""GA 467 (the public SAM protocol of Chinese ID card readers): pure framing, commands, text
blocks and status errors, plus `Ga467Reader`, which runs them over a transport.

Everything here except `reader.py` is pure: bytes in, values or typed errors out, so it can be
fuzzed and reused by the wire-level simulator without any device.
"""
