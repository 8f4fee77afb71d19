"""What the kiosk says aloud and when (kiosk.core.voice): pure rules, no engine."""

from __future__ import annotations

from kiosk.core.texts import GUIDANCE, text
from kiosk.core.voice import STEP_WORDS, Announcer, VoicePolicy
from kiosk.core.workflows import BUILT_IN


def test_each_step_is_said_once_when_it_begins_and_cuts_short_the_one_before():
    a = Announcer()
    said = a.step("card", "zh", now=0.0)
    assert said is not None and said.interrupt
    assert text("card_title", "zh") in said.text
    assert a.step("card", "zh", now=1.0) is None, "a redraw of the same step says nothing"
    assert a.step("identity", "en", now=2.0).text == text("identity_title", "en")


def test_attract_and_notice_screens_stay_quiet():
    a = Announcer()
    assert a.step(None, "zh", now=0.0) is None
    assert a.step("attract", "zh", now=0.0) is None


def test_every_step_of_every_workflow_has_words_in_every_language():
    for workflow in BUILT_IN.values():
        for step in workflow.steps:
            assert step in STEP_WORDS, f"{workflow.name}: step {step} has nothing to say"
            for language in ("zh", "en"):
                assert all(text(k, language) for k in STEP_WORDS[step])


def test_guidance_waits_until_the_sentence_before_has_been_said():
    a = Announcer(VoicePolicy(gap_s=1.5, repeat_s=8.0))
    step = a.step("photo", "zh", now=0.0)
    busy = step.seconds
    reason = next(iter(GUIDANCE))
    assert a.guidance(reason, "zh", now=busy) is None, "no pause after the step's sentence"
    said = a.guidance(reason, "zh", now=busy + 1.6)
    assert said is not None and not said.interrupt


def test_the_same_guidance_is_not_repeated_at_the_camera_rate():
    a = Announcer(VoicePolicy(gap_s=0.5, repeat_s=8.0))
    reasons = list(GUIDANCE)
    first = a.guidance(reasons[0], "en", now=100.0)
    assert first is not None
    quiet_until = 100.0 + first.seconds + 0.5
    # 15 updates a second saying the same thing: silence until repeat_s has passed.
    t = 100.0
    spoken = 0
    while t < 107.9:
        t += 1 / 15
        if a.guidance(reasons[0], "en", now=t) is not None:
            spoken += 1
    assert spoken == 0
    assert a.guidance(reasons[0], "en", now=108.1) is not None
    # Something new is said as soon as the voice is free.
    assert a.guidance(reasons[1], "en", now=max(quiet_until, 108.1 + 10)) is not None


def test_good_framing_says_nothing_and_lets_the_next_problem_be_said_at_once():
    a = Announcer(VoicePolicy(gap_s=0.0, repeat_s=8.0))
    reason = next(iter(GUIDANCE))
    first = a.guidance(reason, "zh", now=0.0)
    assert a.guidance(None, "zh", now=first.seconds + 0.1) is None
    assert a.guidance(reason, "zh", now=first.seconds + 0.2) is not None


def test_guidance_reasons_all_have_sentences():
    for reason in GUIDANCE:
        for language in ("zh", "en"):
            assert Announcer().guidance(reason, language, now=0.0) is not None
