"""Speech by espeak-ng (Debian's `espeak-ng`): offline, Mandarin (`cmn`) and English voices.

One worker thread runs one `espeak-ng` process per sentence, so a sentence that is cut short
(`interrupt`) is a process killed, and the UI thread never waits. `out_dir` given, each
sentence is written there as a WAV file instead of played (`espeak-wav://DIR`): for tests, which
check that the speech is there and not silent, and for a bench without speakers. The text goes
to the process on stdin, never on its command line, where other users could read it.
"""

from __future__ import annotations

import itertools
import logging
import queue
import shutil
import subprocess
import threading
from pathlib import Path

from central_api_client.logs import LogEvent, event

log = logging.getLogger(__name__)

VOICES = {"zh": "cmn", "en": "en-gb"}


class EspeakSpeaker:
    def __init__(self, volume: int = 80, rate: int = 160, out_dir: Path | None = None,
                 program: str = "espeak-ng") -> None:
        if not 0 <= volume <= 100:
            raise ValueError("volume must be 0..100")
        if not 80 <= rate <= 450:
            raise ValueError("rate must be 80..450 words a minute")
        self.volume = volume
        self.rate = rate
        self.out_dir = out_dir
        self.program = shutil.which(program) or ""
        self.fault = "" if self.program else "voice_unavailable"
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()  # None: stop
        self._current: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._count = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="voice", daemon=True)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def say(self, text: str, language: str, interrupt: bool = False) -> None:
        if not self.program or self.volume == 0 or not text.strip():
            return
        if interrupt:
            self._drop_queued()
            with self._lock:
                if self._current is not None and self._current.poll() is None:
                    self._current.kill()
        self._queue.put((text, language if language in VOICES else "zh"))

    def close(self) -> None:
        self._drop_queued()
        with self._lock:
            if self._current is not None and self._current.poll() is None:
                self._current.kill()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _drop_queued(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._speak(*item)

    def _speak(self, text: str, language: str) -> None:
        args = [self.program, "-v", VOICES[language], "-a", str(self.volume * 2),
                "-s", str(self.rate), "--stdin"]
        if self.out_dir is not None:
            args += ["-w", str(self.out_dir / f"{next(self._count):04d}-{language}.wav")]
        try:
            with self._lock:
                self._current = subprocess.Popen(
                    args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
            proc = self._current
            proc.communicate(text.encode("utf-8"), timeout=60)
            if proc.returncode not in (0, -9):  # -9: cut short on purpose
                raise OSError(f"espeak-ng exited {proc.returncode}")
            self.fault = ""
        except (OSError, subprocess.SubprocessError) as exc:
            self.fault = "voice_failed"
            event(log, LogEvent.VOICE_FAILED, level=logging.WARNING, error=type(exc).__name__)
