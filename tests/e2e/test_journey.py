"""Whole candidate journeys: a real Kivy window on Xvfb, simulated touches, the simulated
devices, the real SQLite outbox, the uploader process and the reference API on loopback."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from hardware.idcard.sim import card_file
from kiosk.fonts import cjk_font_path
from provisioning.devrun import BIN, free_port
from tests.escpos.read_lines import find_line

SCREENS_IN_JOURNEY = [
    "attract",
    "card",
    "identity",
    "photo-preview",
    "photo-countdown",
    "photo-review",
    "check",
    "sign",
    "done",
]


def saved_events(kiosk, name):
    return [e for e in kiosk.log_events() if e.get("event") == name]


def open_record(server, kiosk, record_id) -> dict:
    key = kiosk.data_dir / "keys" / "province_x25519.dev-private.pem"
    out = subprocess.run(
        [str(BIN / "provincial-api"), "open", record_id, "--key", str(key), "--db", str(server.db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_journey_reaches_the_server(api_server, make_kiosk, tmp_path):
    voice = tmp_path / "voice"
    kiosk = make_kiosk(api_server, devices={"speaker": f"espeak-wav://{voice}"})
    shots = tmp_path / "shots"
    result = kiosk.play("journey", "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()

    names = [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))]
    assert names == SCREENS_IN_JOURNEY
    for shot in shots.glob("*.png"):
        with Image.open(shot) as img:
            assert img.size == (1920, 1080)

    (saved,) = saved_events(kiosk, "record.saved")
    record_id = saved["record_id"]
    assert kiosk.status()["records"]["queued"] == 1
    if shutil.which("espeak-ng"):  # each step's instruction was spoken, in Chinese
        spoken = sorted(voice.glob("*.wav"))
        assert len(spoken) >= len(SCREENS_IN_JOURNEY) - 3, [p.name for p in spoken]
        assert all(p.name.endswith("-zh.wav") and p.stat().st_size > 20_000 for p in spoken)

    upload = kiosk.upload_once()
    assert upload.returncode == 0, upload.stdout[-2000:]
    held = api_server.record(record_id)
    assert held is not None and held["device_id"] == "SIM-0001"
    assert kiosk.status()["records"]["acknowledged"] == 1

    payload = open_record(api_server, kiosk, record_id)
    card = json.loads(card_file("resident-valid").read_text(encoding="utf-8"))
    same_person = all(
        payload["identity"][k] == card[k] for k in ("name", "id_number", "birth_date")
    )
    assert same_person, "the server's record is not the card's holder"
    assert payload["workflow"] == "collect"
    assert payload["sequence_number"].startswith("4301") and len(payload["sequence_number"]) == 8
    photo_bytes = int(payload["photo_jpeg"].strip("<> bytes"))  # `open` shows sizes only
    assert 20 * 1024 <= photo_bytes <= 40_000, "the standard photo is 20-40 KB"
    assert int(payload["signature_png"].strip("<> bytes")) > 500
    assert len(payload["signature_strokes"]) == 2

    # The login card the candidate took home says what the province holds: each line drawn
    # anew with the CJK font and found on the printed picture (tests/escpos/read_lines.py),
    # never by rendering the card again, so a line missing or wrong fails here.
    (printout,) = sorted((kiosk.data_dir / "sim" / "printouts").glob("*.png"))
    number, password = payload["sequence_number"], payload["initial_password"]
    grouped = " ".join(password[i:i + 4] for i in range(0, len(password), 4))
    with Image.open(printout) as printed:
        printed.load()
    font = cjk_font_path()
    for what, line in (("sequence number", number), ("password", grouped),
                       ("name", payload["identity"]["name"])):
        assert find_line(printed, line, font) is not None, f"the card does not show the {what}"
    other = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert find_line(printed, other, font) is None, "the finder accepts a wrong number"


def test_server_down_the_journey_completes_and_the_record_waits(make_kiosk, api_server):
    kiosk = make_kiosk(api_server)
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    kiosk.config.write_text(kiosk.config.read_text().replace(api_server.url, dead))
    assert kiosk.play("journey").returncode == 0, kiosk.log_tail()
    failed = kiosk.upload_once()
    assert kiosk.status()["records"]["queued"] == 1, failed.stdout[-2000:]
    # The network comes back: the same record goes up.
    kiosk.config.write_text(kiosk.config.read_text().replace(dead, api_server.url))
    assert kiosk.upload_once().returncode == 0
    assert kiosk.status()["records"]["acknowledged"] == 1


def test_crash_after_signing_keeps_the_record(make_kiosk, api_server):
    kiosk = make_kiosk(api_server)
    result = kiosk.play("sign-then-crash")
    assert result.returncode == -signal.SIGKILL, kiosk.log_tail()
    status = kiosk.status()
    assert status["records"]["queued"] == 1
    assert kiosk.upload_once().returncode == 0
    assert kiosk.status()["records"]["acknowledged"] == 1


def test_expired_card_keeps_nothing(make_kiosk, api_server):
    kiosk = make_kiosk(api_server)
    assert kiosk.play("expired-card").returncode == 0, kiosk.log_tail()
    status = kiosk.status()
    assert sum(status["records"].values()) == 0
    assert status["sequence"]["reserved"] == 0 and status["sequence"]["used"] == 0


def test_bad_card_number_gets_a_message_and_returns(make_kiosk, api_server):
    kiosk = make_kiosk(api_server)
    assert kiosk.play("bad-card").returncode == 0, kiosk.log_tail()
    assert sum(kiosk.status()["records"].values()) == 0


def test_cancel_and_idle_timeout_wipe_the_session(make_kiosk, api_server):
    kiosk = make_kiosk(api_server, session={"idle_timeout_s": 3.0})
    assert kiosk.play("cancel").returncode == 0, kiosk.log_tail()
    assert kiosk.play("idle-timeout").returncode == 0, kiosk.log_tail()
    assert sum(kiosk.status()["records"].values()) == 0


def test_no_personal_data_in_logs(make_kiosk, api_server):
    kiosk = make_kiosk(api_server)
    assert kiosk.play("journey").returncode == 0
    kiosk.upload_once()
    card = json.loads(card_file("resident-valid").read_text(encoding="utf-8"))
    text = kiosk.log.read_text(encoding="utf-8") + Path(api_server.log_path).read_text()
    leaked = [k for k in ("name", "id_number", "address") if card[k] in text]
    assert not leaked, f"log contains the card's {leaked}"


@pytest.mark.parametrize("size", ["1080x1920", "1280x800"])
def test_journey_fits_portrait_and_small_panels(make_kiosk, api_server, tmp_path, size):
    """Every screen at the other common panel sizes: the script's layout check fails the run on
    a button under 15 mm, text overflowing its box, or text spilling out of its panel."""
    kiosk = make_kiosk(api_server)
    shots = tmp_path / "shots"
    assert kiosk.play("journey", "--size", size, "--shots", str(shots)).returncode == 0, (
        kiosk.log_tail()
    )
    width, height = (int(v) for v in size.split("x"))
    for shot in shots.glob("*.png"):
        with Image.open(shot) as img:
            assert img.size == (width, height)


def test_exhausted_sequence_range_sends_the_candidate_to_staff(make_kiosk, api_server):
    kiosk = make_kiosk(api_server, sequence={"first": 7, "last": 7})
    assert kiosk.play("journey").returncode == 0, kiosk.log_tail()
    assert kiosk.play("range-exhausted").returncode == 0, kiosk.log_tail()
    status = kiosk.status()
    assert status["sequence"]["last_number"] == "43010007" and status["sequence"]["remaining"] == 0
    assert status["records"]["queued"] == 1  # the first candidate's record, nothing more


FAKE_WLT_C = r"""
/* Stands in for the vendor's licensed decoder: raw BGR rows, a grey ramp. */
int unpack(char *src, char *dst, int bmpSave) {
    for (int r = 0; r < 126; r++)
        for (int i = 0; i < 102 * 3; i++)
            dst[r * 102 * 3 + i] = (char)(r * 2);
    return 1;
}
"""


def test_chip_photo_is_shown_when_a_decoder_is_installed(make_kiosk, api_server, tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the stand-in decoder library")
    (tmp_path / "wlt.c").write_text(FAKE_WLT_C)
    library = tmp_path / "libwlt.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(library), str(tmp_path / "wlt.c")],
                   check=True)
    kiosk = make_kiosk(api_server, devices={"wlt_library": str(library)})
    assert kiosk.play("journey").returncode == 0, kiosk.log_tail()
    (shown,) = saved_events(kiosk, "session.identity_shown")
    assert shown["chip_photo"] is True


def test_without_a_decoder_there_is_no_chip_photo(make_kiosk, api_server):
    kiosk = make_kiosk(api_server)
    assert kiosk.play("cancel").returncode == 0, kiosk.log_tail()
    (shown,) = saved_events(kiosk, "session.identity_shown")
    assert shown["chip_photo"] is False


def test_nearly_full_disk_refuses_new_sessions(make_kiosk, api_server):
    kiosk = make_kiosk(api_server, storage={"min_free_mb": 10**9})  # more than any disk
    assert kiosk.play("disk-full").returncode == 0, kiosk.log_tail()
    status = kiosk.status()
    assert sum(status["records"].values()) == 0 and status["sequence"]["reserved"] == 0


def test_upload_freeze_refuses_new_sessions_until_an_export(make_kiosk, api_server, tmp_path):
    """A machine whose records have not left it for `upload.freeze_after_days` starts no
    session (the staff notice), and `kioskctl export` lifts the freeze."""
    from datetime import UTC, datetime, timedelta

    from kiosk.store import KioskStore
    from kiosk.sync import status

    kiosk = make_kiosk(api_server, upload={"freeze_after_days": 1})
    kiosk.data_dir.mkdir(mode=0o700, parents=True)
    with KioskStore(kiosk.data_dir / "kiosk.sqlite") as store:  # first started two days ago
        since = datetime.now(UTC) - timedelta(days=2)
        store.settings.set(status.FREEZE_SINCE_KEY, since.isoformat())
    shots = tmp_path / "shots"
    assert kiosk.play("upload-overdue", "--shots", str(shots)).returncode == 0, kiosk.log_tail()
    (shot,) = shots.glob("*notice-upload-overdue.png")
    with Image.open(shot) as img:
        assert img.size == (1920, 1080)
    assert sum(kiosk.status()["records"].values()) == 0

    exported = subprocess.run(
        [str(BIN / "kioskctl"), "--simulate", "export", "--to", str(tmp_path / "usb"),
         "--config", str(kiosk.config)], capture_output=True, text=True, timeout=60)
    assert exported.returncode == 0, exported.stderr
    assert kiosk.play("cancel").returncode == 0, kiosk.log_tail()  # a session starts again


def test_the_kiosk_tells_systemd_it_is_ready_and_alive(make_kiosk, api_server, tmp_path,
                                                       monkeypatch):
    """As kiosk.service (Type=notify, WatchdogSec=) hears it: READY=1 once the attract screen is
    up, then WATCHDOG=1 from the UI's clock at half the interval."""
    import socket

    path = tmp_path / "notify"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(path))
    listener.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # WatchdogSec=1: a ping every 0.5 s
    kiosk = make_kiosk(api_server)
    assert kiosk.play("cancel").returncode == 0, kiosk.log_tail()
    messages = []
    while True:
        try:
            messages.append(listener.recv(4096).decode())
        except TimeoutError:
            break
    listener.close()
    assert messages[0].startswith("READY=1"), messages
    assert messages.count("WATCHDOG=1") >= 3, messages
    assert messages[-1] == "STOPPING=1"
