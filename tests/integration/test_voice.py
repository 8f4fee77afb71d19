"""The voice through the real engine (espeak-ng from Debian): each sentence rendered to a WAV
file and listened to by numbers: long enough to be the sentence, and not silence."""

from __future__ import annotations

import array
import shutil
import time
import wave
from pathlib import Path

import pytest

from hardware.speaker.factory import open_speaker
from hardware.speaker.speaker import SilentSpeaker
from kiosk.core.texts import text

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (scripts/setup.sh installs it)")


def wait_for(paths: Path, count: int, timeout: float = 15.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(paths.glob("*.wav"))
        if len(files) >= count and all(_complete(f) for f in files):
            return files
        time.sleep(0.05)
    raise AssertionError(f"{count} sentences not spoken within {timeout} s")


def _complete(path: Path) -> bool:
    try:
        with wave.open(str(path)) as w:
            return w.getnframes() > 0
    except (EOFError, wave.Error):
        return False


def listen(path: Path) -> tuple[float, float]:
    """Seconds of audio, and its loudness (RMS of 16-bit samples, 0..32767)."""
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    samples = array.array("h", frames)
    rms = (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5
    return seconds, rms


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_steps_instruction_is_spoken_aloud(tmp_path, language):
    speaker = open_speaker(f"espeak-wav://{tmp_path}", volume=80)
    try:
        speaker.say(text("card_prompt", language), language)
        (wav,) = wait_for(tmp_path, 1)
    finally:
        speaker.close()
    seconds, rms = listen(wav)
    assert wav.name.endswith(f"-{language}.wav")
    assert 1.5 < seconds < 15, f"{seconds:.1f} s is not the sentence"
    assert rms > 500, f"silent (RMS {rms:.0f})"
    assert speaker.fault == ""


def test_volume_scales_the_speech_and_zero_is_silence(tmp_path):
    loud_dir, soft_dir, mute_dir = (tmp_path / n for n in ("loud", "soft", "mute"))
    rms = {}
    for folder, volume in ((loud_dir, 100), (soft_dir, 25)):
        speaker = open_speaker(f"espeak-wav://{folder}?volume={volume}")
        speaker.say(text("photo_title", "zh"), "zh")
        (wav,) = wait_for(folder, 1)
        speaker.close()
        rms[volume] = listen(wav)[1]
    assert rms[100] > 2 * rms[25]
    muted = open_speaker(f"espeak-wav://{mute_dir}?volume=0")
    muted.say(text("photo_title", "zh"), "zh")
    muted.close()
    assert not list(mute_dir.glob("*.wav"))


def test_an_interrupting_sentence_drops_what_was_queued(tmp_path):
    speaker = open_speaker(f"espeak-wav://{tmp_path}")
    try:
        for _ in range(5):
            speaker.say(text("done_message", "zh"), "zh")
        speaker.say(text("sign_title", "en"), "en", interrupt=True)
        files = wait_for(tmp_path, 1)
        time.sleep(1.0)
        files = sorted(tmp_path.glob("*.wav"))
    finally:
        speaker.close()
    assert len(files) <= 2, "queued sentences were spoken after the interruption"
    assert files[-1].name.endswith("-en.wav")


def test_no_speaker_is_no_voice_and_a_bad_uri_is_refused(tmp_path):
    assert isinstance(open_speaker(""), SilentSpeaker)
    assert isinstance(open_speaker("none://"), SilentSpeaker)
    with pytest.raises(ValueError, match="unsupported speaker URI scheme"):
        open_speaker("alsa://default")
    with pytest.raises(ValueError, match="volume"):
        open_speaker(f"espeak-wav://{tmp_path}?volume=loud")
