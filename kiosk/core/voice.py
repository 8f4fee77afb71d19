"""What the kiosk says aloud, and when: each step's instruction, and the live photo guidance.

Candidates who cannot read the screen follow the voice, so it must never outrun them: a step's
instruction is spoken when the step begins (cutting short whatever was still being said, which
belongs to the step before); photo guidance changes up to 15 times a second on screen, but is
spoken only when it says something new, once the previous sentence has had time to finish plus
a pause, and the same guidance is repeated only after a longer while. Nothing spoken names the
candidate: every sentence comes from the text table, never from the card.

Pure: the clock is passed in; `kiosk.shell` hands the sentences to a `hardware.speaker`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.texts import guidance_text, text

# The text keys spoken when each step begins, in order.
STEP_WORDS: dict[str, tuple[str, ...]] = {
    "card": ("card_title", "card_prompt"),
    "identity": ("identity_title",),
    "photo": ("photo_title",),
    "check": ("check_title",),
    "sign": ("sign_title",),
    "print": ("print_title",),
    "done": ("done_title", "done_message"),
    # The second visits (`confirm`, `adult-confirm`).
    "candidate": ("candidate_title", "candidate_hint"),
    "proof": ("proof_title",),
    "pledge": ("pledge_title", "pledge_copy", "pledge_sentence"),
    "print_form": ("print_form_title",),
    # The exception paths: staff type the entry; the candidate hears who must act next.
    "entry": ("entry_title",),
    "approve": ("approve_title",),
    "phone": ("phone_title",),
    "form": ("form_printing",),
}

# How fast the engine speaks, to know when a sentence is over (espeak-ng at its default rate,
# measured: about 4 Chinese characters, or 14 English letters, a second).
_CHARS_PER_S = {"zh": 4.0, "en": 14.0}


@dataclass(frozen=True)
class VoicePolicy:
    gap_s: float = 1.5  # silence after a sentence before guidance may speak again
    repeat_s: float = 8.0  # the same guidance is said again only after this long


@dataclass(frozen=True)
class Utterance:
    text: str
    language: str
    interrupt: bool  # cut short what is still being said

    @property
    def seconds(self) -> float:
        """About how long it takes to say."""
        body = "".join(self.text.split())
        return len(body) / _CHARS_PER_S.get(self.language, 4.0)


class Announcer:
    """Decides what to say; remembers what it said and when. One per kiosk, on the UI thread."""

    def __init__(self, policy: VoicePolicy = VoicePolicy()) -> None:
        self.policy = policy
        self._step: tuple[str | None, str] | None = None
        self._guidance: str | None = None
        self._guidance_at = float("-inf")
        self._busy_until = float("-inf")

    def step(self, name: str | None, language: str, now: float) -> Utterance | None:
        """The step now on screen (None: the attract or a notice screen, which stay quiet)."""
        if (name, language) == self._step:
            return None  # a redraw; a new language says the step again in it
        self._step = (name, language)
        self._guidance = None
        keys = STEP_WORDS.get(name or "")
        if not keys:
            return None
        return self._said(Utterance(
            " ".join(text(k, language).replace("\n", " ") for k in keys), language, True), now)

    def guidance(self, reason: str | None, language: str, now: float) -> Utterance | None:
        """The photo guidance now shown (a `photo_standard` reason code; None: all good)."""
        if reason is None:
            self._guidance = None
            return None
        if now < self._busy_until + self.policy.gap_s:
            return None
        if reason == self._guidance and now - self._guidance_at < self.policy.repeat_s:
            return None
        sentence = guidance_text(reason, language)
        if not sentence:
            return None
        self._guidance, self._guidance_at = reason, now
        return self._said(Utterance(sentence, language, False), now)

    def _said(self, utterance: Utterance, now: float) -> Utterance:
        self._busy_until = now + utterance.seconds
        return utterance
