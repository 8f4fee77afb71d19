"""The rule of what a real machine may not run with (`kiosk.core.simulation`), and its check at
start-up (`kiosk.startup`): simulated devices, unconfigured devices and development keys."""

from __future__ import annotations

import string
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.idcard.sim.process import sam_latency_of
from kiosk.config import Config, simulated_devices
from kiosk.core.simulation import (
    is_development_key,
    is_simulated_device,
    real_machine_refusals,
)
from kiosk.seal import Sealer
from kiosk.startup import RealMachineRefused, check_real_machine

REAL = {"idcard": "ga467:///dev/ttyUSB0", "camera": "v4l2:///dev/video0",
        "printer": "escpos-usb://0416:5011", "light": "none://"}


@pytest.mark.parametrize("uri", ["sim://", "sim:///srv/face.jpg?fps=5", "SIM://", " sim:"])
def test_sim_uris_are_simulated(uri: str) -> None:
    assert is_simulated_device(uri)


@pytest.mark.parametrize("uri", ["ga467:///dev/ttyUSB0", "v4l2:///dev/video0", "none://",
                                 "simulator://x", "usbrelay://16c0:05df?channel=1", "", "sim"])
def test_other_uris_are_not(uri: str) -> None:
    assert not is_simulated_device(uri)


@given(st.text(max_size=40))
def test_any_sim_scheme_uri_is_simulated_and_no_other_scheme_is(rest: str) -> None:
    assert is_simulated_device("sim:" + rest)
    assert is_simulated_device("SiM:" + rest)
    assert not is_simulated_device("x" + rest.replace(":", ""))


@given(st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=8))
def test_a_scheme_that_only_starts_like_sim_is_real(tail: str) -> None:
    assert not is_simulated_device(f"sim{tail}://device")


@pytest.mark.parametrize("name", ["province_x25519.dev-private.pem", "receipt_ed25519.dev.pem",
                                  "receipt_ed25519.dev.pub.pem", "/a/b/x.DEV.pem"])
def test_development_key_names(name: str) -> None:
    assert is_development_key(name)


@pytest.mark.parametrize("name", ["device_ed25519.pem", "province_x25519.pub.pem",
                                  "dev_thing.pem", "developer.pem", "id_hash_secret.bin",
                                  "/srv/dev/receipt.pub.pem"])
def test_real_key_names(name: str) -> None:
    assert not is_development_key(name)


def test_every_refusal_names_the_setting_and_what_to_do() -> None:
    refusals = real_machine_refusals(
        {**REAL, "printer": "", "camera": "sim://?fps=30"},
        ["/var/lib/kiosk/keys/province_x25519.dev-private.pem", "/k/device_ed25519.pem"],
        "/etc/kiosk/kiosk.toml")
    text = [str(r) for r in refusals]
    assert len(text) == 3
    assert text[0].startswith("devices.camera: 'sim://?fps=30' is a simulator; name the real")
    assert text[1].startswith("devices.printer: not configured; name the device in "
                              "/etc/kiosk/kiosk.toml")
    assert text[2].startswith("/var/lib/kiosk/keys/province_x25519.dev-private.pem: a "
                              "development key")
    assert real_machine_refusals(REAL, ["/k/device_ed25519.pem"]) == []


def test_the_defaults_are_no_devices_and_simulators_only_under_simulate(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    with pytest.raises(RealMachineRefused) as refused:
        check_real_machine(config, "kiosk", simulate=False,
                           devices=("idcard", "camera", "printer", "light"))
    for name in ("idcard", "camera", "printer", "light"):
        assert f"devices.{name}: not configured" in str(refused.value)
    assert "kiosk --simulate" in str(refused.value)
    sim = simulated_devices(config)
    assert (sim.devices.idcard, sim.devices.camera, sim.devices.printer, sim.devices.light) \
        == ("sim://",) * 4
    check_real_machine(sim, "kiosk", simulate=True, devices=("printer",), keys=True)


def test_a_development_province_key_left_by_a_simulated_run_is_refused(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    Sealer.from_keys_dir(config.keys_dir, config.device.id)  # what `kiosk --simulate` leaves
    with pytest.raises(RealMachineRefused, match="province_x25519.dev-private.pem: a development"):
        check_real_machine(config, "kiosk-uploader", simulate=False, keys=True)
    check_real_machine(config, "kiosk-uploader", simulate=True, keys=True)
    (config.keys_dir / "province_x25519.dev-private.pem").unlink()
    with pytest.raises(RealMachineRefused, match="devices.tpm: not configured"):
        check_real_machine(config, "kiosk-uploader", simulate=False, keys=True)
    real = replace(config, devices=replace(config.devices, tpm="tpm:device:/dev/tpmrm0"))
    check_real_machine(real, "kiosk-uploader", simulate=False, keys=True)


def test_a_simulated_reader_keeps_its_sam_latency_and_refuses_a_bad_one(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    config = replace(config, devices=replace(config.devices, idcard="sim://?sam_latency=0"))
    assert simulated_devices(config).devices.idcard == "sim://?sam_latency=0"
    assert sam_latency_of("sim://?sam_latency=0") == 0.0
    assert sam_latency_of("sim://") == 0.8  # a real SAM's
    for bad in ("-1", "11", "nan", "fast", ""):
        with pytest.raises(ValueError, match="devices.idcard: sam_latency must be 0 to 10"):
            sam_latency_of(f"sim://?sam_latency={bad}")


@given(st.text(max_size=40))
def test_any_sam_latency_is_within_bounds_or_refused(value: str) -> None:
    try:
        latency = sam_latency_of("sim://?" + urlencode({"sam_latency": value}))
    except ValueError as exc:
        assert "devices.idcard" in str(exc)
    else:
        assert 0 <= latency <= 10
