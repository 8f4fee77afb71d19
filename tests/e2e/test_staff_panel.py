"""The staff panel in a real Kivy window on Xvfb: a staff card inserted opens the PIN pad, the
PIN opens the panel, and what staff do there is what a candidate and the province then see.

Cards go in through the real path: `kiosk --simulate`'s private pcscd and vpcd reader, the
project's PIV card emulator holding cards of a test staff CA (`tests/ui/staff_card_slot.py`),
the PC/SC adapter and the sign-in with its persistent lockout. What each run showed is read from
the `autoplay.screen_text` lines of `devtools/staff_scripts`.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from PIL import Image

from central_api_client.day_report import verify_card_signature
from kiosk.core.notices import Notice
from kiosk.core.texts import notice_text, text
from kiosk.store import KioskStore
from provincial_api.sqlite_registry import SqliteRegistry
from provisioning.devrun import BIN
from tests.integration.pcsc_server import missing_packages
from tests.integration.staff_cards import NAMES
from tests.ui.staff_card_slot import PIN, make_staff_cards

SIZES = ["1920x1080", "1080x1920", "1280x800"]


@pytest.fixture
def staff_kiosk(make_kiosk, api_server, tmp_path):
    """A simulated kiosk trusting a test staff CA, whose cards the staff scripts insert."""
    if missing_packages() is not None:
        pytest.skip(missing_packages())
    ca = make_staff_cards(tmp_path / "staff")

    def make(devices: dict | None = None, display: dict | None = None, **staff: object):
        extra = {"devices": devices} if devices else {}
        if display:
            extra["display"] = display
        return make_kiosk(api_server, staff={"ca": str(ca), **staff}, **extra)

    return make


def _play(kiosk, script: str, *args: str, timeout: float = 150) -> None:
    env = {**os.environ, "DISPLAY": kiosk.display,
           "STAFF_CARDS": str(kiosk.tmp / "staff" / "cards")}
    with open(kiosk.log, "ab") as log:
        done = subprocess.run(
            [str(BIN / "python"), "-m", "tests.ui.staff_play", script, "--simulate",
             "--config", str(kiosk.config), "--no-uploader", *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    assert done.returncode == 0, kiosk.log_tail(40)


def _read(kiosk, label: str) -> dict[str, str]:
    seen = [e for e in kiosk.log_events()
            if e.get("event") == "autoplay.screen_text" and e.get("label") == label]
    assert seen, f"nothing read as {label!r}"
    return seen[-1]["texts"]


def _store(kiosk) -> KioskStore:
    return KioskStore(kiosk.data_dir / "kiosk.sqlite", min_free_bytes=0)


@pytest.mark.slow  # ~15 s each
@pytest.mark.parametrize("size", SIZES)
def test_every_staff_screen_in_english_fits_each_panel_size(staff_kiosk, tmp_path, size):
    """The same tour with the kiosk's own language English: the layout check at each shot."""
    kiosk = staff_kiosk(devices={"speaker": f"espeak-wav://{tmp_path / 'voice'}"},
                        display={"language": "en"})
    shots = tmp_path / "shots"
    _play(kiosk, "staff-tour", "--size", size, "--shots", str(shots))
    assert len(list(shots.glob("*.png"))) == 6
    assert _read(kiosk, "panel")["kiosk_state"] == text("staff_open", "en")
    assert _read(kiosk, "panel-voice-off")["voice"] == text("staff_voice_off", "en")


@pytest.mark.parametrize("size", SIZES)
def test_every_staff_screen_fits_each_panel_size(staff_kiosk, tmp_path, size):
    """PIN pad, a wrong PIN, the panel, exceptions, the report: the layout check fails the run
    on a button under 15 mm or text out of its box; pulling the card returns to attract. The
    kiosk has a speaker (to WAV files), so the panel shows the voice switch too."""
    kiosk = staff_kiosk(devices={"speaker": f"espeak-wav://{tmp_path / 'voice'}"})
    shots = tmp_path / "shots"
    _play(kiosk, "staff-tour", "--size", size, "--shots", str(shots))
    width, height = (int(v) for v in size.split("x"))
    names = []
    for shot in sorted(shots.glob("*.png")):
        with Image.open(shot) as img:
            assert img.size == (width, height)
        names.append(shot.stem.split("-", 1)[1])
    assert names == ["staff-pin", "staff-pin-wrong", "staff-panel", "staff-exceptions",
                     "staff-report", "attract-after-staff"]
    wrong = _read(kiosk, "pin-wrong")
    assert wrong["status"] == "\n".join([text("staff_error_wrong_pin"),
                                         text("staff_pin_tries_left", tries=14)])
    assert wrong["who"] == text("staff_pin_card_of", role=text("role_staff"),
                                staff_number="S-0001")
    panel = _read(kiosk, "panel")
    assert panel["kiosk_state"] == text("staff_open")
    assert panel["today"] == text("staff_no_sessions")
    assert panel["void_number"] == text("staff_void_none")
    assert _read(kiosk, "panel-voice-off")["voice"] == text("staff_voice_off")
    assert [e["on"] for e in kiosk.log_events() if e.get("event") == "staff.voice"] == [
        False, True]
    assert _read(kiosk, "report-staff")["said"] == text("staff_report_needs_supervisor")
    # A candidate's card placed while staff hold the screen starts nothing behind the panel.
    assert _read(kiosk, "card-under-panel") == {"session": "attract", "shown": "staff_panel"}
    logged = kiosk.log.read_text(encoding="utf-8")
    assert not [n for n in NAMES.values() if n in logged]
    assert PIN not in logged and "135790" not in logged


def test_a_pause_stops_candidates_survives_a_restart_resume_reopens_and_idle_closes_the_panel(
        staff_kiosk, tmp_path):
    """A pause stops new candidates and survives a restart; resuming lets them start again;
    a panel then left alone closes by itself after `[staff] idle_s`."""
    kiosk = staff_kiosk(idle_s=5)
    shots = tmp_path / "shots"
    _play(kiosk, "staff-pause", "--shots", str(shots))
    assert [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))] == [
        "staff-panel-paused", "attract-paused"]
    words = text("local_pause_break")
    title = notice_text(Notice.SERVICE_PAUSED)[0]
    assert _read(kiosk, "attract-paused") == {"closed_title": title, "prompt": words}
    assert _read(kiosk, "notice-paused") == {"title": title, "message": words}
    with _store(kiosk) as store:  # the candidate's card started nothing
        assert store.numbers.usage()["reserved"] == 0
        assert store.connection.read("SELECT count(*) AS n FROM candidate_sessions")[0]["n"] == 0

    _play(kiosk, "staff-resume")  # a new kiosk process: the pause was kept
    assert _read(kiosk, "attract-after-restart") == {"closed_title": title, "prompt": words}
    assert _read(kiosk, "attract-resumed")["prompt"] == text("attract_prompt")
    with _store(kiosk) as store:
        assert store.staff.local_pause() is None
        [row] = store.connection.read("SELECT workflow, outcome FROM candidate_sessions")
    assert row == {"workflow": "collect", "outcome": "cancelled"}
    assert _read(kiosk, "idle-ended") == {"why": "idle"}
    ended = [e["why"] for e in kiosk.log_events() if e.get("event") == "staff.signed_out"]
    assert ended == ["card_removed", "card_removed", "idle"]


def test_taking_over_cancels_the_candidate_and_the_number_is_voided_with_its_reason(
        staff_kiosk, api_server, tmp_path):
    kiosk = staff_kiosk()
    shots = tmp_path / "shots"
    _play(kiosk, "staff-take-over-void", "--shots", str(shots))
    banner = _read(kiosk, "banner")
    assert banner == {"footer_label": text("staff_banner"), "take_over": text("staff_take_over")}
    after = _read(kiosk, "after-void")
    assert after["void_said"] == text("staff_voided")
    assert after["void_number"] == text("staff_void_none")
    assert "取消 1" in after["today"] and "开始 1" in after["today"]
    with _store(kiosk) as store:
        usage = store.numbers.usage()
        [void] = store.connection.read("SELECT reason, staff_number FROM staff_voids")
        [row] = store.connection.read("SELECT outcome FROM candidate_sessions")
    assert usage["void"] == 1 and usage["reserved"] == 0 and usage["used"] == 0
    assert void == {"reason": "candidate_left", "staff_number": "S-0001"}
    assert row["outcome"] == "cancelled"
    assert [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))] == [
        "staff-banner", "staff-panel-void"]


def test_a_staff_card_cannot_confirm_the_day_report_a_supervisors_can_and_it_reaches_the_province(
        staff_kiosk, api_server, tmp_path):
    kiosk = staff_kiosk()
    _play(kiosk, "staff-day-report")
    assert _read(kiosk, "report-staff")["said"] == text("staff_report_needs_supervisor")
    assert _read(kiosk, "report-staff-button") == {"disabled": "True"}
    assert _read(kiosk, "report-supervisor")["said"] == text("staff_report_confirmed")
    with _store(kiosk) as store:
        rows = store.connection.read("SELECT confirmed_by, reported_at FROM day_reports")
    assert rows == [{"confirmed_by": "S-0002", "reported_at": None}]
    upload = kiosk.upload_once()
    assert upload.returncode == 0, upload.stdout[-2000:]
    registry = SqliteRegistry(tmp_path / "api.sqlite")
    try:
        [seen] = registry.day_reports("SIM-0001")
    finally:
        registry.close()
    assert seen.report.confirmed_by == "S-0002" and len(seen.report.card_fingerprint) == 64
    # the supervisor's card signed what the province keeps, for this kiosk
    verify_card_signature(seen.report, "SIM-0001")
    assert seen.report.counts == {} and seen.report.numbers_used == 0
