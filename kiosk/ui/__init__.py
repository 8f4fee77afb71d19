"""The Kivy touch UI: renders the session's state and forwards touches. No rules live here."""
