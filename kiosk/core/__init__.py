"""The kiosk's domain in pure Python.

Nothing here imports Kivy, a device library, the network or SQLite: the rules of a registration
are tested without a screen and reused unchanged by every adapter.
"""
