"""The exception paths in a real Kivy window on Xvfb, through the simulated devices, the real
outbox, the uploader and the reference API on loopback: staff enter an expired card's holder
on the pinyin keyboard, the candidate does photo, check and sign, a supervisor approves, and
the province's `open` shows the record's flags; a migrant child's record waits for the county;
a dispute names its fields to staff, never their values.

Staff sign in as at a kiosk: cards of a test staff CA (`tests/ui/staff_card_slot.py`) go into
the kiosk's private pcscd + vpcd reader through the PIV emulator, the PIN is typed on the panel's
pad, and the cases are picked from the panel's exceptions list.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from PIL import Image

from devtools.exception_scripts import NUMBER
from hardware.staffcard.sim.pcscd import missing_packages
from provisioning.devrun import BIN
from tests.ui.staff_card_slot import STAFF_NUMBERS, make_staff_cards

pytestmark = pytest.mark.skipif(missing_packages() is not None,
                                reason=f"staff cards need pcscd and vpcd: {missing_packages()}")

TOUR_SHOTS = [
    "entry", "entry-problem", "entry-filled", "check-entered", "entry-correct",
    "approve-refused", "done", "entry-passport", "phone",
    "form-failed", "dispute-not-me", "dispute-pick", "dispute-data", "dispute-staff",
]


def open_record(server, kiosk, record_id) -> dict:
    """`provincial-api open`: the payload, and its review line (stderr) as `review`."""
    key = kiosk.data_dir / "keys" / "province_x25519.dev-private.pem"
    out = subprocess.run(
        [str(BIN / "provincial-api"), "open", record_id, "--key", str(key), "--db", str(server.db)],
        capture_output=True, text=True, check=True)
    return {**json.loads(out.stdout), "review": out.stderr.strip()}


def _tour(make_kiosk, api_server, tmp_path, size: str):
    ca = make_staff_cards(tmp_path / "staff")
    kiosk = make_kiosk(api_server, staff={"ca": str(ca)})
    shots = tmp_path / "shots"
    env = {**os.environ, "DISPLAY": kiosk.display, "STAFF_CARDS": str(tmp_path / "staff" / "cards")}
    with open(kiosk.log, "ab") as log:
        done = subprocess.run(
            [str(BIN / "python"), "-m", "tests.ui.staff_play", "exceptions-tour", "--simulate",
             "--config", str(kiosk.config), "--no-uploader", "--size", size, "--shots",
             str(shots)], env=env, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    assert done.returncode == 0, kiosk.log_tail(40)
    names = [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))]
    assert names == TOUR_SHOTS
    width, height = (int(v) for v in size.split("x"))
    for shot in shots.glob("*.png"):
        with Image.open(shot) as img:
            assert img.size == (width, height)
    return kiosk


def test_every_exception_path_to_the_province(make_kiosk, api_server, tmp_path):
    kiosk = _tour(make_kiosk, api_server, tmp_path, "1920x1080")
    saved = [e["record_id"] for e in kiosk.log_events() if e.get("event") == "record.saved"]
    assert len(saved) == 4  # the hand entry, the absent one, the migrant child, the dispute
    upload = kiosk.upload_once()
    assert upload.returncode == 0, upload.stdout[-2000:]
    assert kiosk.status()["records"]["acknowledged"] == 4

    entered, absent, migrant, disputed = (open_record(api_server, kiosk, r) for r in saved)
    assert absent["exception"]["flags"] == ["entered_by_hand", "come_back_with_card",
                                            "confirmed_by_phone"]
    assert absent["photo_jpeg"] is None and absent["signature_png"] is None
    block = entered["exception"]
    assert entered["version"] == 2 and block["case"] == "card_expired"
    assert block["flags"] == ["entered_by_hand", "city_review", "come_back_with_card",
                              "corrected_by_staff"]
    assert block["entered_by"]["staff_number"] == STAFF_NUMBERS["staff"]
    assert block["approved_by"]["staff_number"] == STAFF_NUMBERS["supervisor"]
    assert block["approved_by"]["card_fingerprint"] != block["entered_by"]["card_fingerprint"]
    assert entered["identity"]["entered_by_hand"] is True
    assert entered["review"] == ("exception: card_expired; flags: entered_by_hand, city_review,"
                                 " come_back_with_card, corrected_by_staff")
    assert entered["identity"]["name"] == "测试丙" and entered["identity"]["id_number"] == NUMBER
    assert block["corrected_fields"] == ["name"]
    assert "corrected_by_staff" in block["flags"]
    assert int(entered["photo_jpeg"].strip("<> bytes")) > 10_000
    assert migrant["exception"]["flags"] == ["county_approval_pending"]
    assert disputed["exception"]["central_correction"] == ["name"]
    assert disputed["exception"]["flags"] == ["central_correction"]

    events = kiosk.log_events()
    refused = [e for e in events if e.get("event") == "exception.approval_refused"]
    assert [e["code"] for e in refused] == ["approval_not_supervisor"]
    raised = [e for e in events if e.get("event") == "exception.dispute_raised"]
    assert [(e["kind"], e["fields"]) for e in raised] == [
        ("data_wrong", ["name"]), ("not_me", []), ("data_wrong", ["name"])]
    log_text = kiosk.log.read_text(encoding="utf-8")
    for personal in ("测试乙", "测试丙", NUMBER):
        assert personal not in log_text, "personal data in the log"


@pytest.mark.slow  # ~50 s each: the suite keeps the 1920x1080 run above, -m slow runs these
@pytest.mark.parametrize("size", ["1280x800", "1080x1920"])
def test_exception_screens_fit_portrait_and_small_panels(make_kiosk, api_server, tmp_path, size):
    """The same paths at the other panel sizes: the player's layout check fails the run on a
    button under 15 mm or text out of its box."""
    _tour(make_kiosk, api_server, tmp_path, size)
