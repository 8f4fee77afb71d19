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
    """espeak-ng writes a placeholder length first and the real one when the sentence ends."""
    try:
        with wave.open(str(path)) as w:
            data = w.getnframes() * w.getsampwidth() * w.getnchannels()
    except (EOFError, wave.Error):
        return False
    return 0 < data <= path.stat().st_size - 44


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


def test_staff_turning_the_voice_off_silences_the_kiosk_and_it_stays_off_after_a_restart(
        tmp_path):
    """The kiosk as `wiring.build` puts it together, speaking through espeak-ng to WAV files:
    the card step's instruction is spoken; once staff turn the voice off (kept in the store,
    as the panel's switch does) a restarted kiosk says nothing."""
    from kiosk.config import parse_config
    from kiosk.core import events as ev
    from kiosk.store import KioskStore
    from kiosk.wiring import build

    voice = tmp_path / "voice"
    config = parse_config(f"""data_dir = "{tmp_path / 'data'}"
[devices]
printer = "sim://"
idcard = "sim://"
camera = "sim://"
light = "sim://"
speaker = "espeak-wav://{voice}"
""")

    def start_a_session() -> None:
        shell = build(config, simulate=True)
        try:
            shell.session.handle(ev.Start())
            assert shell.session.screen == "card"
            time.sleep(1.5)  # what would be spoken is spoken by now (the first file appears)
            if not shell.staff.voice_off:
                wait_for(voice, 1)
        finally:
            shell.stop()

    start_a_session()
    spoken = len(list(voice.glob("*.wav")))
    assert spoken >= 1
    with KioskStore(config.database_path) as store:
        store.staff.set_voice(False, "S-0001")  # the panel's switch, by a signed-in clerk
    start_a_session()
    assert len(list(voice.glob("*.wav"))) == spoken, "spoke with the voice turned off"
