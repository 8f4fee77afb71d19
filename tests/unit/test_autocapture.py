"""Auto-capture as the candidate meets it: in place long enough, a countdown, the photo from a
good frame; moving away stops it; a camera gone quiet starts everything over."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.autocapture import AutoCapture, Phase, Seen, Settings

GOOD, BAD = True, False


class Feed:
    """Frames at 15 a second, as the photo screen polls them."""

    def __init__(self, good_frames: int = 3, countdown_s: int = 2) -> None:
        self.now = 0.0
        self.seq = 0
        self.ac = AutoCapture(Settings(good_frames=good_frames, countdown_s=countdown_s), 0.0)

    def frame(self, good: bool, face: bool = True, dt: float = 1 / 15):
        self.now += dt
        self.seq += 1
        return self.ac.observe(Seen(self.seq, good, face), self.now)

    def same_frame(self, dt: float = 1 / 15):
        self.now += dt
        return self.ac.observe(Seen(self.seq, True, True), self.now)


def test_in_place_for_the_streak_starts_the_countdown_then_captures_a_good_frame():
    f = Feed(good_frames=3, countdown_s=2)
    assert [f.frame(GOOD).phase for _ in range(2)] == [Phase.PREVIEW, Phase.PREVIEW]
    view = f.frame(GOOD)
    assert (view.phase, view.countdown) == (Phase.COUNTDOWN, 2)
    views = [f.frame(GOOD) for _ in range(40)]
    shown = [v.countdown for v in views if v.phase is Phase.COUNTDOWN]
    assert shown[0] == 2 and shown[-1] == 1  # 2, ..., 1, then the photo
    (capture,) = [v for v in views if v.phase is Phase.CAPTURE]
    assert capture.capture_seq is not None and capture.capture_seq <= f.seq
    assert views[-1].phase is Phase.TAKING  # said once; then it waits for the photo


def test_one_frame_polled_twice_counts_once():
    f = Feed(good_frames=2)
    f.frame(GOOD)
    assert f.same_frame().phase is Phase.PREVIEW
    assert f.frame(GOOD).phase is Phase.COUNTDOWN


def test_a_bad_frame_restarts_the_streak():
    f = Feed(good_frames=3)
    f.frame(GOOD), f.frame(GOOD), f.frame(BAD)
    assert f.frame(GOOD).phase is Phase.PREVIEW
    f.frame(GOOD)
    assert f.frame(GOOD).phase is Phase.COUNTDOWN


def test_a_blink_does_not_stop_the_countdown_but_moving_away_does():
    f = Feed(good_frames=1, countdown_s=3)
    assert f.frame(GOOD).phase is Phase.COUNTDOWN
    assert [f.frame(BAD).phase for _ in range(3)] == [Phase.COUNTDOWN] * 3
    assert f.frame(GOOD).phase is Phase.COUNTDOWN
    views = [f.frame(BAD) for _ in range(4)]
    assert views[-1].phase is Phase.PREVIEW and views[-1].countdown == 0


def test_the_photo_is_cut_from_the_last_good_frame_not_a_blink():
    f = Feed(good_frames=1, countdown_s=1)
    f.frame(GOOD)
    good_seq = f.seq
    view = f.frame(BAD, dt=1.01)
    assert view.phase is Phase.CAPTURE and view.capture_seq == good_seq


def test_no_countdown_captures_at_once():
    f = Feed(good_frames=2, countdown_s=0)
    f.frame(GOOD)
    view = f.frame(GOOD)
    assert view.phase is Phase.CAPTURE and view.capture_seq == f.seq


def test_a_camera_gone_quiet_is_stale_and_starts_over():
    f = Feed(good_frames=2, countdown_s=3)
    f.frame(GOOD), f.frame(GOOD)
    assert f.same_frame(dt=1.0).phase is Phase.COUNTDOWN
    view = f.same_frame(dt=0.6)  # 1.6 s without a new frame
    assert view.phase is Phase.STALE and not view.camera_ok and not view.good
    assert f.frame(GOOD).phase is Phase.PREVIEW  # back, but the streak starts again
    assert f.frame(GOOD).phase is Phase.COUNTDOWN


def test_nothing_judged_yet_is_stale():
    ac = AutoCapture(Settings(good_frames=1, countdown_s=1), 0.0)
    assert ac.observe(None, 0.1).phase is Phase.STALE


def test_restart_after_a_refused_photo_needs_a_new_streak():
    f = Feed(good_frames=2, countdown_s=0)
    f.frame(GOOD)
    assert f.frame(GOOD).phase is Phase.CAPTURE
    assert f.frame(GOOD).phase is Phase.TAKING
    f.ac.restart(f.now)
    assert f.frame(GOOD).phase is Phase.PREVIEW
    assert f.frame(GOOD).phase is Phase.CAPTURE


def test_presence_is_a_face_in_a_new_frame_good_or_not():
    f = Feed()
    assert f.frame(BAD, face=True).presence
    assert not f.frame(BAD, face=False).presence
    assert not f.same_frame().presence


@given(st.lists(st.booleans(), max_size=200))
def test_never_captures_without_the_streak_and_always_from_a_good_frame(goods):
    f = Feed(good_frames=5, countdown_s=1)
    good_seqs: set[int] = set()
    run = best = 0
    for good in goods:
        view = f.frame(good)
        if good:
            good_seqs.add(f.seq)
        run = run + 1 if good else 0
        best = max(best, run)
        if view.phase is Phase.CAPTURE:
            assert best >= 5 and view.capture_seq in good_seqs
