"""The central schedule on screen: a real Kivy window on Xvfb, bundles published by two admins
with `kiosk-admin`, served over loopback and applied by the kiosk's own updater while the
kiosk runs. The attract screen follows a pause within one `session.gate_refresh_s` and
reopens when it is lifted; outside every window it says when the next one opens; a card
outside the window's audience is turned away before anything is collected. The words are
read from the screens' widgets by the scripted player (`devtools/central_scripts.py`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from devtools.play import command as play_command
from hardware.idcard.sim import place_card
from kiosk.config import Config, load_config
from kiosk.core.idnumber import make_number
from kiosk.core.notices import Notice
from kiosk.core.texts import notice_text, text
from kiosk.sync.config_updater import update_once
from provisioning.devrun import BIN
from tests.integration.signed_config import BASE_TOML, Admins, RepoServer, set_up
from tests.synthetic import resident

REFRESH_S = 3.0
SLACK_S = 10.0  # the UI's half-second tick, a few frames, the log polled: on a loaded machine
ALL_DAY = BASE_TOML.replace('["08:00-12:00", "15:00-18:00"]', '["00:00-24:00"]')
PAUSE = ALL_DAY + """
[pause.province]
zh = "系统维护，暂停服务，预计一小时后恢复"
en = "Paused for maintenance; back in about an hour"
"""


@pytest.fixture
def central(tmp_path: Path):
    admins, server = set_up(tmp_path / "central")
    yield admins, server
    server.stop()


def _kiosk(make_kiosk, api_server, tmp_path: Path, admins: Admins, server: RepoServer,
           language: str = "zh"):
    root = tmp_path / "root.json"
    shutil.copy(admins.repo / "metadata" / "1.root.json", root)
    kiosk = make_kiosk(api_server, session={"gate_refresh_s": REFRESH_S},
                       config={"trust_root": str(root), "repository_url": server.url})
    with kiosk.config.open("a", encoding="utf-8") as config:  # (`display` is taken)
        config.write(f'\n[display]\nlanguage = "{language}"\n')
    return kiosk, load_config(kiosk.config)


def _apply(admins: Admins, config: Config, toml: str) -> float:
    """Two admins publish `toml`; the kiosk's updater applies it. When it was in force."""
    admins.publish(toml, ["alice", "bob"])
    result = update_once(config)
    assert result.code == "ok", result
    return time.monotonic()


def _play(kiosk, script: str, shots: Path) -> subprocess.Popen:
    log = open(kiosk.log, "ab")  # noqa: SIM115 - held by the child for its whole run
    return subprocess.Popen(
        play_command(BIN / "python", kiosk.config, script, "--no-uploader", "--shots",
                     str(shots)),
        env={**os.environ, "DISPLAY": kiosk.display}, stdout=log, stderr=subprocess.STDOUT)


def _read(kiosk, label: str) -> dict[str, str]:
    [seen] = [e for e in kiosk.log_events()
              if e.get("event") == "autoplay.screen_text" and e.get("label") == label]
    return seen["texts"]


def _wait_for(kiosk, proc: subprocess.Popen, label: str, timeout_s: float = 90) -> float:
    """Until the player read the screen `label`; the monotonic time it was seen."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if any(e.get("event") == "autoplay.screen_text" and e.get("label") == label
               for e in kiosk.log_events()):
            return time.monotonic()
        if proc.poll() is not None:
            pytest.fail(f"the kiosk ended before {label!r}:\n{kiosk.log_tail()}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"no {label!r} within {timeout_s}s:\n{kiosk.log_tail()}")


def _shots(shots: Path) -> list[str]:
    found = sorted(shots.glob("*.png"))
    for shot in found:
        with Image.open(shot) as img:
            assert img.size == (1920, 1080)
    return [p.stem.split("-", 1)[1] for p in found]


def _nothing_collected(kiosk) -> None:
    status = kiosk.status()
    assert sum(status["records"].values()) == 0 and status["sequence"]["reserved"] == 0
    assert not [e for e in kiosk.log_events() if e.get("event") == "session.identity_shown"]


def test_a_pause_shows_its_words_within_a_refresh_and_lifting_it_reopens(
        make_kiosk, api_server, central, tmp_path):
    admins, server = central
    kiosk, config = _kiosk(make_kiosk, api_server, tmp_path, admins, server)
    _apply(admins, config, ALL_DAY)
    shots = tmp_path / "shots"
    proc = _play(kiosk, "central-pause", shots)
    try:
        _wait_for(kiosk, proc, "attract-open")
        applied = _apply(admins, config, PAUSE)
        assert _wait_for(kiosk, proc, "attract-paused") - applied <= REFRESH_S + SLACK_S
        _wait_for(kiosk, proc, "notice-paused")
        upload = kiosk.upload_once()  # uploads go on during a pause
        assert upload.returncode == 0, upload.stdout[-2000:]
        applied = _apply(admins, config, ALL_DAY)
        assert _wait_for(kiosk, proc, "attract-reopened") - applied <= REFRESH_S + SLACK_S
        assert proc.wait(timeout=60) == 0, kiosk.log_tail()
    finally:
        if proc.poll() is None:
            proc.kill()

    assert _read(kiosk, "attract-open")["prompt"] == text("attract_prompt", "zh")
    paused = _read(kiosk, "attract-paused")
    title = notice_text(Notice.SERVICE_PAUSED, "zh")[0]
    assert paused == {"closed_title": title, "prompt": "系统维护，暂停服务，预计一小时后恢复",
                      "hint": ""}
    assert _read(kiosk, "notice-paused") == {"title": title,
                                             "message": "系统维护，暂停服务，预计一小时后恢复"}
    reopened = _read(kiosk, "attract-reopened")
    assert reopened["prompt"] == text("attract_prompt", "zh") and reopened["closed_title"] == ""
    assert _shots(shots) == ["attract-open", "attract-paused", "notice-paused",
                             "attract-reopened"]
    _nothing_collected(kiosk)


def test_outside_every_window_the_attract_screen_says_when_the_next_opens(
        make_kiosk, api_server, central, tmp_path):
    admins, server = central
    kiosk, config = _kiosk(make_kiosk, api_server, tmp_path, admins, server, language="en")
    _apply(admins, config, BASE_TOML.replace("from = 2019-09-02", "from = 2099-09-01")
           .replace("to = 2099-12-31", "to = 2099-09-30"))
    shots = tmp_path / "shots"
    result = kiosk.play("outside-window", "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()

    words = "Registration next opens on\nTuesday 1 September 2099, 08:00–12:00 and 15:00–18:00"
    title = notice_text(Notice.OUTSIDE_WINDOW, "en")[0]
    assert _read(kiosk, "attract-outside-window") == {"closed_title": title, "prompt": words,
                                                      "hint": ""}
    assert _read(kiosk, "notice-outside-window") == {"title": title, "message": words}
    assert _shots(shots) == ["attract-outside-window", "notice-outside-window"]
    _nothing_collected(kiosk)


def test_a_card_outside_the_windows_audience_is_told_before_anything_is_collected(
        make_kiosk, api_server, central, tmp_path):
    admins, server = central
    kiosk, config = _kiosk(make_kiosk, api_server, tmp_path, admins, server)
    _apply(admins, config, ALL_DAY + 'audience = ["4301"]\n')  # the city's own days
    shaoyang = resident(id_number=make_number("430521", resident().birth_date, 37, male=False))
    place_card(config.sim_dir, shaoyang)  # on the reader as the kiosk starts
    shots = tmp_path / "shots"
    result = kiosk.play("outside-audience", "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()

    title, message = notice_text(Notice.NOT_IN_AUDIENCE, "zh")
    assert _read(kiosk, "notice-not-in-audience") == {"title": title, "message": message}
    assert _read(kiosk, "attract-after-audience")["prompt"] == text("attract_prompt", "zh")
    assert _shots(shots) == ["notice-not-in-audience", "attract-after-audience"]
    _nothing_collected(kiosk)
    logged = kiosk.log.read_text(encoding="utf-8")
    assert shaoyang.id_number not in logged and shaoyang.name not in logged


def test_a_workflow_changed_while_the_kiosk_runs_reaches_the_next_candidate(
        make_kiosk, api_server, central, tmp_path):
    admins, server = central
    kiosk, config = _kiosk(make_kiosk, api_server, tmp_path, admins, server, language="en")
    _apply(admins, config, ALL_DAY)
    shots = tmp_path / "shots"
    proc = _play(kiosk, "central-workflow", shots)
    try:
        _wait_for(kiosk, proc, "steps-before")
        _apply(admins, config, PAUSE)  # the script's sign that a bundle came
        _wait_for(kiosk, proc, "attract-paused")
        _apply(admins, config, ALL_DAY.replace('"card", "identity", "photo"', '"card", "photo"'))
        assert proc.wait(timeout=120) == 0, kiosk.log_tail()
    finally:
        if proc.poll() is None:
            proc.kill()

    def labels(*steps: str) -> str:
        return " | ".join(text(f"step_{s}", "en") for s in steps)

    assert _read(kiosk, "steps-before") == {
        "steps": labels("card", "identity", "photo", "check", "sign", "done")}
    assert _read(kiosk, "steps-after") == {"steps": labels("card", "photo", "check", "sign",
                                                           "done")}
    assert _shots(shots) == ["attract-open", "steps-before", "attract-paused",
                             "attract-reopened", "steps-after"]
