"""Choose the voice by the URI in the machine's config (`devices.speaker`).

- `espeak://?volume=80&rate=160`: espeak-ng through the sound card;
- `espeak-wav:///path/to/dir?volume=80`: each sentence written to DIR as a WAV (tests, benches);
- `none://` or "": no voice.
`[voice] volume` and `rate` in kiosk.toml apply unless the URI names its own.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from hardware.speaker.speaker import SilentSpeaker, Speaker

SUPPORTED_SCHEMES = ("espeak", "espeak-wav", "none")


def open_speaker(uri: str, volume: int = 80, rate: int = 160) -> Speaker:
    if not uri:
        return SilentSpeaker()
    parts = urlsplit(uri)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        volume = int(query.get("volume", volume))
        rate = int(query.get("rate", rate))
    except ValueError:
        raise ValueError(f"speaker URI {uri!r}: volume and rate are whole numbers") from None
    if parts.scheme == "none":
        return SilentSpeaker()
    if parts.scheme in ("espeak", "espeak-wav"):
        from hardware.speaker.espeak import EspeakSpeaker

        out = None
        if parts.scheme == "espeak-wav":
            if not parts.path:
                raise ValueError(f"speaker URI {uri!r} names no folder")
            out = Path(unquote(parts.path))
        return EspeakSpeaker(volume=volume, rate=rate, out_dir=out)
    raise ValueError(
        f"unsupported speaker URI scheme {parts.scheme!r} in {uri!r}; "
        f"supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}")
