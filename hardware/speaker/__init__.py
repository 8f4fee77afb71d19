"""The kiosk's voice: a text-to-speech engine behind `Speaker` (see `speaker.py`)."""
