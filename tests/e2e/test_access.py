"""Candidates who read English, and privacy between candidates, in the kiosk's real window.

A foreigner's card turns the whole journey to English, voice included (espeak-ng's English
voice, rendered to WAV files and listened to by length); the language button works on every
screen and the next candidate starts in Chinese; after cancel and the idle timeout no widget
holds the last candidate's name, ID number or photo.
"""

from __future__ import annotations

import shutil
import wave

import pytest
from PIL import Image


def test_a_foreign_card_holder_walks_the_journey_in_english_with_voice(make_kiosk, api_server,
                                                                       tmp_path):
    voice = tmp_path / "voice"
    shots = tmp_path / "shots"
    kiosk = make_kiosk(api_server, devices={"speaker": f"espeak-wav://{voice}"})
    result = kiosk.play("journey-english", "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    assert len(list(shots.glob("*.png"))) >= 8
    for shot in shots.glob("*.png"):
        with Image.open(shot) as img:
            assert img.size == (1920, 1080)
    if shutil.which("espeak-ng"):
        spoken = sorted(voice.glob("*.wav"))
        languages = [p.stem.split("-")[1] for p in spoken]
        # The card step is announced in Chinese; from the card's reading on, English.
        assert languages[0] == "zh" and "en" in languages, languages
        english = spoken[languages.index("en"):]
        assert all(p.stem.endswith("-en") for p in english), languages
        for p in english:
            with wave.open(str(p)) as w:
                assert w.getnframes() / w.getframerate() > 0.5, p.name


@pytest.mark.slow  # ~25 s each
@pytest.mark.parametrize("size", ["1080x1920", "1280x800"])
def test_the_english_journey_fits_portrait_and_small_panels(make_kiosk, api_server, tmp_path,
                                                            size):
    """The foreign card holder's journey in English at the other panel sizes: the layout check
    at every screenshot (the large-text journeys: tests/e2e/test_large_text.py)."""
    shots = tmp_path / "shots"
    kiosk = make_kiosk(api_server)
    result = kiosk.play("journey-english", "--size", size, "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    width, height = (int(v) for v in size.split("x"))
    for shot in shots.glob("*.png"):
        with Image.open(shot) as img:
            assert img.size == (width, height)


def test_the_language_button_switches_any_screen_and_the_next_candidate_gets_chinese(
        make_kiosk, api_server, tmp_path):
    kiosk = make_kiosk(api_server)
    result = kiosk.play("switch-language", "--size", "1280x800",
                        "--shots", str(tmp_path / "shots"))
    assert result.returncode == 0, kiosk.log_tail()


def test_nothing_of_a_candidate_stays_in_any_widget_after_cancel_or_the_idle_timeout(
        make_kiosk, api_server):
    kiosk = make_kiosk(api_server, session={"idle_timeout_s": 3.0})
    result = kiosk.play("privacy")
    assert result.returncode == 0, kiosk.log_tail()
    assert sum(kiosk.status()["records"].values()) == 0
