"""The scripted candidates, by name: the demo's journey, the UI tests' cases, the benchmarks'
loads. Each is a generator of `Wait`s over a `Player` (see devtools.player)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from central_api_client.logs import LogEvent, event
from devtools import (
    bench_scripts,
    central_scripts,
    confirm_scripts,
    exception_scripts,
    staff_scripts,
)
from devtools.waits import Script, ScriptFailed, Wait
from kiosk.core.health import Alert
from kiosk.core.texts import alert_text

if TYPE_CHECKING:
    from devtools.player import Player

log = logging.getLogger(__name__)


def _to_photo(p: Player) -> Iterator[Wait]:
    yield p.screen("attract")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield from p.tap("confirm")
    yield p.screen("photo")


def _photo_phase(p: Player) -> str:
    return p.current_screen.phase


def _leave_photo(p: Player) -> Iterator[Wait]:
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield p.remove_card()


def journey(p: Player, card: str = "resident-valid") -> Iterator[Wait]:
    """A candidate's first visit, every screen, with a screenshot of each."""
    yield p.screen("attract")
    yield from p.shot("attract")
    yield from p.tap("start")
    yield p.screen("card")
    yield from p.shot("card")
    yield p.place_card(card)
    yield p.screen("identity")
    yield from p.shot("identity")
    yield from p.tap("confirm")
    yield p.screen("photo")
    yield p.until(lambda: p.widget("preview").frames_shown > 3, "camera frames")
    yield p.until(lambda: p.widget("guidance").text != "", "live guidance")
    yield from p.shot("photo-preview")
    yield p.until(lambda: p.current_screen.phase == "countdown",
                  "auto-capture countdown")
    yield from p.shot("photo-countdown")
    yield p.until(lambda: p.current_screen.phase == "review", "photo review")
    yield from p.shot("photo-review")
    yield from p.tap("accept")
    yield p.screen("check")
    yield p.until(lambda: p.session.data is not None
                  and p.session.data.sequence_number is not None, "sequence number")
    yield from p.shot("check")
    yield from p.tap("confirm")
    yield p.screen("sign")
    yield from p.sign()
    yield from p.shot("sign")
    yield from p.tap("confirm")
    yield p.screen("done", timeout_s=30)
    yield from p.shot("done")
    yield p.remove_card()
    yield from p.tap("finish")
    yield p.screen("attract")


def _card_refused(p: Player, card: str, shot: str, code: str,
                  by_itself: bool = False) -> Iterator[Wait]:
    """A card that starts no session: the notice, then home by a tap or by its own timer."""
    yield p.screen("attract")
    yield p.place_card(card)
    yield p.screen("notice")
    yield p.until(lambda: p.session.notice_code == code, f"notice {code!r}")
    yield from p.shot(shot)
    yield p.remove_card()
    if by_itself:
        yield p.screen("attract", timeout_s=60)
    else:
        yield from p.tap("home")
        yield p.screen("attract")


def expired_card(p: Player) -> Iterator[Wait]:
    yield from _card_refused(p, "resident-expired", "notice-card-expired", "card_expired")


def bad_card(p: Player) -> Iterator[Wait]:
    yield from _card_refused(p, "resident-bad-checksum", "notice-bad-number",
                             "id_number_checksum", by_itself=True)


def disk_full(p: Player) -> Iterator[Wait]:
    """With the disk nearly full no session starts: the notice asks for staff."""
    yield from _card_refused(p, "resident-valid", "notice-disk-full", "disk_full")


def upload_overdue(p: Player) -> Iterator[Wait]:
    """With records kept on the machine past `upload.freeze_after_days` no session starts:
    the notice asks staff to upload or export them first."""
    yield from _card_refused(p, "resident-valid", "notice-upload-overdue", "upload_overdue")


def cancel_midway(p: Player) -> Iterator[Wait]:
    yield from _to_photo(p)
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield p.until(lambda: p.session.data is None, "session wiped")
    yield p.remove_card()


def idle_timeout(p: Player) -> Iterator[Wait]:
    yield p.screen("attract")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    timeout = p.session.settings.idle_timeout_s
    yield p.screen("attract", timeout_s=timeout + 10)  # nobody touches anything
    yield p.until(lambda: p.session.last_end_reason == "idle_timeout", "idle timeout")
    yield p.remove_card()


def sign_then_crash(p: Player) -> Iterator[Wait]:
    """Sign, and die the moment the record is saved: as a power cut would."""
    import os
    import signal

    for wait in journey(p):
        yield wait
        if p.session.screen in ("print", "done") and p.session.data is not None \
                and p.session.data.saved:
            event(log, LogEvent.AUTOPLAY_CRASH)
            os.kill(os.getpid(), signal.SIGKILL)


def range_exhausted(p: Player) -> Iterator[Wait]:
    """With no sequence number left, the check step sends the candidate to staff."""
    yield from _to_photo(p)
    yield p.until(lambda: p.session.data is not None
                  and p.session.data.photo_jpeg is not None, "photo taken")
    yield from p.tap("accept")
    yield p.screen("notice")
    yield p.until(lambda: p.session.notice_code == "sequence_exhausted", "exhausted notice")
    yield from p.shot("notice-range-exhausted")
    yield p.remove_card()
    yield from p.tap("home")
    yield p.screen("attract")


def photo_guidance(p: Player, hold_s: float = 4.0) -> Iterator[Wait]:
    """A candidate out of place: the screen guides and never captures while they stay there."""
    yield from _to_photo(p)
    screen = p.current_screen
    yield p.until(lambda: screen.live is not None and screen.live.latest() is not None
                  and p.widget("guidance").text != "", "live guidance")
    yield from p.shot("photo-guidance")
    start = time.monotonic()
    while time.monotonic() - start < hold_s:
        if _photo_phase(p) != "preview":
            raise ScriptFailed(f"captured a candidate out of place ({_photo_phase(p)})")
        yield p.sleep(0.2)
    _frame, analysis = screen.live.latest()
    event(log, LogEvent.AUTOPLAY_PHOTO_GUIDANCE, reasons=list(analysis.verdict.reasons),
          guidance=p.widget("guidance").text)
    yield from _leave_photo(p)


def photo_capture(p: Player) -> Iterator[Wait]:
    """Auto-capture from whatever the camera shows, review the photo, then leave."""
    yield from _to_photo(p)
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
    yield from p.shot("photo-review")
    data = p.session.data
    if data is None or data.photo_jpeg is None:
        raise ScriptFailed("the review shows no photo")
    event(log, LogEvent.AUTOPLAY_PHOTO_TAKEN, size=len(data.photo_jpeg))
    yield from _leave_photo(p)


def camera_unplugged(p: Player) -> Iterator[Wait]:
    """The camera drops out at the photo step: staff alerted, the candidate told, then it
    comes back and the photo is taken as if nothing happened."""
    from hardware.camera.sim.camera import UNPLUGGED_FILE

    fault = p.config.sim_dir / UNPLUGGED_FILE
    yield from _to_photo(p)
    fault.touch()
    lost = alert_text(Alert.CAMERA_LOST, p.config.display.language)
    yield p.until(lambda: p.staff_alert == lost
                  and p.widget("guidance").text == p.t("photo_no_camera"), "camera lost")
    yield from p.shot("photo-camera-lost")
    fault.unlink()
    yield p.until(lambda: p.staff_alert == "", "camera back")
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture after the camera came back",
                  timeout_s=30)
    yield from _leave_photo(p)


def light_broken(p: Player) -> Iterator[Wait]:
    """The fill light's relay has failed: staff are told, the candidate's photo is still taken."""
    from hardware.light.sim.light import BROKEN_FILE

    broken = p.config.sim_dir / BROKEN_FILE
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.touch()
    yield from _to_photo(p)
    fault = alert_text(Alert.LIGHT_FAULT, p.config.display.language)
    yield p.until(lambda: p.staff_alert == fault, "light alert")
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
    yield from p.shot("photo-light-broken")
    broken.unlink()
    yield from _leave_photo(p)
    yield p.until(lambda: p.staff_alert == "", "light alert cleared")


def photo_retakes(p: Player) -> Iterator[Wait]:
    """Retake until the limit, then the candidate is sent to staff."""
    yield from _to_photo(p)
    for _ in range(p.config.photo.max_retakes):
        yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
        yield from p.tap("retake")
        yield p.until(lambda: _photo_phase(p) == "preview", "preview again")
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
    yield from p.tap("retake")
    yield p.screen("notice")
    yield p.until(lambda: p.session.notice_code == "photo_retakes_exhausted",
                  "retakes exhausted notice")
    yield from p.shot("notice-photo-retakes")
    yield p.remove_card()


def preview_rate(p: Player, seconds: float = 10.0) -> Iterator[Wait]:
    """Hold the photo preview; report the frames it showed and analysed per second (a bench)."""
    yield from _to_photo(p)
    yield p.sleep(1.0)
    preview, live = p.widget("preview"), p.current_screen.live
    shown, analysed, t0 = preview.frames_shown, live.analysed, time.monotonic()
    yield p.sleep(seconds)
    elapsed = time.monotonic() - t0
    event(log, LogEvent.AUTOPLAY_PREVIEW_RATE, fps=round((preview.frames_shown - shown) / elapsed,
          2),
          analysed_fps=round((live.analysed - analysed) / elapsed, 2), seconds=seconds)
    yield from _leave_photo(p)


# What the print screen must say when the card did not print, per language, written here
# rather than taken from the text table, so a sentence dropped or reworded there is caught: the
# cause, and that staff make the printout now while a later reprint is the province's job.
PRINT_FAILURE_WORDS = {
    "zh": {"paper_out": "缺纸", "cover_open": "盖未关好", "offline": "无法使用",
           "staff": "请联系现场工作人员", "later": "补打需由省招生考试系统办理"},
    "en": {"paper_out": "out of paper", "cover_open": "cover is open",
           "offline": "not available", "staff": "Ask a member of staff",
           "later": "a reprint is then the provincial system's job"},
}


def _print_failure_said(p: Player, code: str) -> None:
    """The words the failed print screen shows (the labels Kivy draws), or ScriptFailed."""
    words = PRINT_FAILURE_WORDS[p.config.display.language]
    shown = {"cause": p.widget("cause").text, "message": p.widget("message").text,
             "title": p.widget("title").text}
    wanted = {"cause": words[code], "message": words["staff"]}
    missing = [f"{where}: {said!r}" for where, said in wanted.items()
               if said not in shown[where]]
    if words["later"] not in shown["message"].replace("\n", " "):
        missing.append(f"message: {words['later']!r}")
    if not shown["title"] or p.widget("print_again").disabled:
        missing.append("a title and print again")
    if missing:
        raise ScriptFailed(f"the print screen for {code} does not say {'; '.join(missing)}"
                           f" (it shows {shown})")


def print_recovery(p: Player) -> Iterator[Wait]:
    """The printer fails at the print step (the test's network printer is out of paper, its
    cover open or offline for the first job): the record is saved, the screen says why, to ask
    staff and that a later reprint is the province's job, and staff see the alert for that
    code; after "print again" (the printer fixed by then) the card prints and the journey ends
    as usual (the test reads the printer's alerts from the log)."""
    yield from _to_photo(p)
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
    yield from p.tap("accept")
    yield p.screen("check")
    yield p.until(lambda: p.session.data is not None
                  and p.session.data.sequence_number is not None, "sequence number")
    yield from p.tap("confirm")
    yield p.screen("sign")
    yield from p.sign()
    yield from p.tap("confirm")
    yield p.screen("print", timeout_s=30)
    yield p.until(lambda: p.current_screen.failed, "print failed", timeout_s=30)
    code = p.current_screen.code
    out = alert_text(Alert(f"staff_printer_{code}"), p.config.display.language)
    yield p.until(lambda: p.staff_alert == out, f"{code} alert")
    yield p.settled()
    _print_failure_said(p, code)
    yield from p.shot(f"print-{code.replace('_', '-')}")
    yield from p.tap("print_again")
    yield p.screen("done", timeout_s=30)
    yield p.until(lambda: p.staff_alert != out, f"{code} alert gone")
    yield from p.shot("done-after-reprint")
    yield p.remove_card()
    yield from p.tap("finish")
    yield p.screen("attract")


def ready(p: Player) -> Iterator[Wait]:
    """Only wait for the attract screen: for start-up measurements."""
    yield p.screen("attract")


SCRIPTS: dict[str, Script] = {
    "ready": ready,
    "journey": journey,
    "expired-card": expired_card,
    "bad-card": bad_card,
    "cancel": cancel_midway,
    "idle-timeout": idle_timeout,
    "sign-then-crash": sign_then_crash,
    "range-exhausted": range_exhausted,
    "disk-full": disk_full,
    "upload-overdue": upload_overdue,
    "preview-rate": preview_rate,
    "photo-guidance": photo_guidance,
    "photo-capture": photo_capture,
    "camera-unplugged": camera_unplugged,
    "photo-retakes": photo_retakes,
    "light-broken": light_broken,
    "print-recovery": print_recovery,
    "central-pause": central_scripts.central_pause,
    "outside-window": central_scripts.outside_window,
    "outside-audience": central_scripts.outside_audience,
    **staff_scripts.SCRIPTS,
    "central-workflow": central_scripts.central_workflow,
    **confirm_scripts.SCRIPTS,
    **exception_scripts.SCRIPTS,
    **bench_scripts.SCRIPTS,
}


def _more_scripts() -> dict[str, Script]:
    from devtools import access_scripts, large_text_scripts  # they build on `journey` above

    return {**access_scripts.SCRIPTS, **large_text_scripts.SCRIPTS}



def load_script(name: str) -> Script:
    scripts = {**SCRIPTS, **_more_scripts()}
    try:
        return scripts[name]
    except KeyError:
        raise ValueError(f"no autoplay script {name!r}; known: {', '.join(scripts)}") from None
