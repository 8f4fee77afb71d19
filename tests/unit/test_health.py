"""Which staff alert the footer shows: the most urgent broken device, and never a cleared one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.health import Alert, DeviceHealth

PRINTER_CODES = {Alert.PRINTER_PAPER_OUT: "paper_out", Alert.PRINTER_COVER_OPEN: "cover_open",
                 Alert.PRINTER_OFFLINE: "offline", Alert.PRINTER_PAPER_LOW: "near_end"}


def test_all_well_shows_nothing():
    assert DeviceHealth().alert is None


def test_a_camera_silent_for_less_than_the_grace_is_not_lost():
    h = DeviceHealth(camera_grace_s=1.0)
    assert not h.camera(False, 0.0) and not h.camera(False, 0.5)
    assert h.alert is None
    assert h.camera(False, 1.0) and h.alert is Alert.CAMERA_LOST
    assert not h.camera(False, 1.5)  # reported once
    assert h.camera(True, 2.0) and h.alert is None


def test_a_camera_that_comes_back_within_the_grace_starts_the_grace_again():
    h = DeviceHealth(camera_grace_s=1.0)
    h.camera(False, 0.0), h.camera(True, 0.5), h.camera(False, 0.9)
    assert not h.camera(False, 1.5) and h.alert is None


def test_a_camera_that_will_not_start_is_lost_at_once():
    h = DeviceHealth()
    assert h.camera_failed() and h.alert is Alert.CAMERA_LOST


def test_the_reader_outranks_the_camera_which_outranks_the_light():
    h = DeviceHealth(camera_grace_s=0)
    h.light(True)
    assert h.alert is Alert.LIGHT_FAULT
    h.camera(False, 0.0)
    assert h.alert is Alert.CAMERA_LOST
    h.reader(False)
    assert h.alert is Alert.READER_LOST


def test_when_the_reader_is_back_a_camera_still_lost_is_still_shown():
    h = DeviceHealth(camera_grace_s=0)
    h.camera(False, 0.0)
    h.reader(False)
    h.reader(True)
    assert h.alert is Alert.CAMERA_LOST


@given(st.lists(st.tuples(st.sampled_from(list(Alert)), st.booleans()), max_size=40))
def test_the_alert_is_always_the_most_urgent_fault_still_active(reports):
    h = DeviceHealth(camera_grace_s=0)
    active: set[Alert] = set()
    for alert, broken in reports:
        if alert is Alert.READER_LOST:
            h.reader(not broken)
        elif alert is Alert.CAMERA_LOST:
            h.camera(not broken, 0.0)
        elif alert is Alert.LIGHT_FAULT:
            h.light(broken)
        elif alert is Alert.A4_PRINTER_FAULT:
            h.a4_printer(broken)
        else:  # the printer is in one state at a time: a new result replaces the last
            if alert is Alert.PRINTER_PAPER_LOW:
                h.printer(None, paper_near_end=broken)
            else:
                h.printer(PRINTER_CODES[alert] if broken else None)
            active -= set(PRINTER_CODES)
        (active.add if broken else active.discard)(alert)
        expected = next((a for a in Alert if a in active), None)
        assert h.alert is expected


def test_a_failed_printout_is_the_printer_alert_until_one_prints():
    h = DeviceHealth()
    assert h.printer("paper_out") and h.alert is Alert.PRINTER_PAPER_OUT
    assert not h.printer("paper_out")  # reported once
    assert h.printer("cover_open") and h.alert is Alert.PRINTER_COVER_OPEN
    assert h.light(True) and h.alert is Alert.PRINTER_COVER_OPEN  # a waiting candidate first
    assert h.printer("internal_error") and h.alert is Alert.PRINTER_OFFLINE
    assert h.printer(None) and h.alert is Alert.LIGHT_FAULT


def test_a_card_printed_on_a_nearly_empty_roll_warns_staff_least_urgently():
    h = DeviceHealth()
    assert h.printer(None, paper_near_end=True) and h.alert is Alert.PRINTER_PAPER_LOW
    assert h.printer_alert is Alert.PRINTER_PAPER_LOW
    assert h.light(True) and h.alert is Alert.LIGHT_FAULT
    assert h.printer("paper_out") and h.alert is Alert.PRINTER_PAPER_OUT
    assert h.printer(None) and h.alert is Alert.LIGHT_FAULT  # a new roll: no warning left


def test_an_a4_print_failure_is_a_staff_alert_until_the_printer_is_ready():
    h = DeviceHealth()
    assert h.a4_printer(True) and h.alert is Alert.A4_PRINTER_FAULT
    h.light(True)
    assert h.alert is Alert.A4_PRINTER_FAULT  # the paper a candidate signs before the light
    assert h.a4_printer(False) and h.alert is Alert.LIGHT_FAULT
