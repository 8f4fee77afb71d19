"""Large text in high contrast, in the kiosk's real window: the footer's button switched on, a
whole first visit, its disputes and the notices, each screen passing the layout check at every
shot (touch targets of 15 mm at the panel's dpi, no text out of its box or panel), then the next
candidate back in normal text (devtools/large_text_scripts.py). The suite runs the English
journey at 1920x1080; `-m slow` the other panel sizes and Chinese, the disputes and the
longest notice."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from hardware.staffcard.sim.pcscd import missing_packages
from provisioning.devrun import BIN
from tests.ui.staff_card_slot import make_staff_cards

SIZES = ("1920x1080", "1280x800", "1080x1920")
JOURNEY_SHOTS = ("attract", "card", "identity", "photo-preview", "photo-countdown",
                 "photo-review", "check", "sign", "done", "notice-card-expired",
                 "notice-bad-number")


def _ground_is_dark(shot: Path) -> bool:
    """What the candidate sees first: most of the window near-black (the high-contrast ground),
    not the normal palette's pale one."""
    with Image.open(shot) as img:
        grey = img.convert("L")
        dark = sum(grey.histogram()[:40])
        return dark / (grey.width * grey.height) > 0.35


def _journey(make_kiosk, api_server, tmp_path, size: str, language: str) -> None:
    shots = tmp_path / "shots"
    kiosk = make_kiosk(api_server)
    script = "large-text-journey" + ("-en" if language == "en" else "")
    result = kiosk.play(script, "--size", size, "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    taken = sorted(shots.glob("*.png"))
    assert [p.stem.split("-", 1)[1] for p in taken] == list(JOURNEY_SHOTS)
    width, height = (int(n) for n in size.split("x"))
    for shot in taken:
        with Image.open(shot) as img:
            assert img.size == (width, height)
        assert _ground_is_dark(shot), shot.name
    assert sum(kiosk.status()["records"].values()) == 1


def test_a_candidate_in_large_english_text_walks_the_journey_at_1920x1080(
        make_kiosk, api_server, tmp_path):
    _journey(make_kiosk, api_server, tmp_path, "1920x1080", "en")


@pytest.mark.slow  # ~30 s each: the suite keeps the English run at 1920x1080 above
@pytest.mark.parametrize(("size", "language"), [
    (size, language) for size in SIZES for language in ("zh", "en")
    if (size, language) != ("1920x1080", "en")])
def test_the_large_text_journey_fits_every_panel_in_both_languages(
        make_kiosk, api_server, tmp_path, size, language):
    _journey(make_kiosk, api_server, tmp_path, size, language)


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_longest_notice_fits_in_large_text(make_kiosk, api_server, tmp_path, size,
                                               language):
    """The upload freeze's notice has the most words of any a card can meet."""
    from kiosk.store import KioskStore
    from kiosk.sync import status

    kiosk = make_kiosk(api_server, upload={"freeze_after_days": 1})
    kiosk.data_dir.mkdir(mode=0o700, parents=True)
    with KioskStore(kiosk.data_dir / "kiosk.sqlite") as store:
        since = datetime.now(UTC) - timedelta(days=2)
        store.settings.set(status.FREEZE_SINCE_KEY, since.isoformat())
    shots = tmp_path / "shots"
    script = "large-text-notice" + ("-en" if language == "en" else "")
    result = kiosk.play(script, "--size", size, "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    (shot,) = shots.glob("*notice-upload_overdue.png")
    assert _ground_is_dark(shot)


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_dispute_screens_fit_in_large_text(make_kiosk, api_server, tmp_path, size,
                                               language):
    """"This is not me" and "Something is wrong" (its fields to pick, then the wait for
    staff): the screens a candidate of the collect journey meets while calling staff."""
    shots = tmp_path / "shots"
    kiosk = make_kiosk(api_server)
    script = "large-text-disputes" + ("-en" if language == "en" else "")
    result = kiosk.play(script, "--size", size, "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    taken = sorted(shots.glob("*.png"))
    assert [p.stem.split("-", 1)[1] for p in taken] == ["dispute-not-me", "check-pick",
                                                        "dispute-data"]
    assert all(_ground_is_dark(p) for p in taken)
    assert sum(kiosk.status()["records"].values()) == 0


@pytest.mark.slow
@pytest.mark.skipif(missing_packages() is not None,
                    reason=f"staff cards need pcscd and vpcd: {missing_packages()}")
@pytest.mark.parametrize("size", SIZES)
def test_staff_answer_a_large_text_candidate_from_their_own_display(make_kiosk, api_server,
                                                                    tmp_path, size):
    """Large text is the candidate's: staff's PIN pad keeps the kiosk's own display, and the
    dispute screen with staff's answers is in large text and fits."""
    ca = make_staff_cards(tmp_path / "staff")
    kiosk = make_kiosk(api_server, staff={"ca": str(ca)})
    shots = tmp_path / "shots"
    env = {**os.environ, "DISPLAY": kiosk.display,
           "STAFF_CARDS": str(tmp_path / "staff" / "cards")}
    with open(kiosk.log, "ab") as log:
        done = subprocess.run(
            [str(BIN / "python"), "-m", "tests.ui.staff_play", "large-text-with-staff-en",
             "--simulate", "--config", str(kiosk.config), "--no-uploader", "--size", size,
             "--shots", str(shots)], env=env, stdout=log, stderr=subprocess.STDOUT, timeout=180)
    assert done.returncode == 0, kiosk.log_tail(40)
    pin, dispute = sorted(shots.glob("*.png"))
    assert pin.stem.endswith("staff-pin") and not _ground_is_dark(pin)
    assert dispute.stem.endswith("dispute-staff") and _ground_is_dark(dispute)
