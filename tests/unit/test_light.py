"""The fill light: the USB HID relay's wire bytes, the simulator, failures that never block."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hardware.light import GuardedLight, LightError, open_light
from hardware.light.sim import SimulatedLight
from hardware.light.usbrelay import UsbRelayLight, relay_report
from provisioning.kioskctl import cli


class FakeRelay:
    """A pyusb device stand-in that records control transfers."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple] = []
        self.fail = fail

    def ctrl_transfer(self, *args, timeout: int = 0):  # type: ignore[no-untyped-def]
        if self.fail:
            raise OSError("[Errno 19] No such device")
        self.sent.append(args)
        return len(args[-1])


def test_relay_reports_on_the_wire() -> None:
    assert relay_report(True, 1) == bytes([0xFF, 1, 0, 0, 0, 0, 0, 0])
    assert relay_report(False, 2) == bytes([0xFD, 2, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError):
        relay_report(True, 9)
    dev = FakeRelay()
    light = UsbRelayLight(2, device=dev)
    light.set(True)
    light.set(False)
    assert dev.sent == [(0x21, 0x09, 0x0300, 0, relay_report(True, 2)),
                        (0x21, 0x09, 0x0300, 0, relay_report(False, 2))]


def test_a_failing_relay_raises_but_the_guard_only_warns() -> None:
    with pytest.raises(LightError):
        UsbRelayLight(1, device=FakeRelay(fail=True)).set(True)
    guarded = GuardedLight(UsbRelayLight(1, device=FakeRelay(fail=True)))
    guarded.set(True)  # no exception: a candidate is never blocked by the light
    assert guarded.fault == "light_unavailable" and not guarded.is_on


def test_simulator_state_and_fault(tmp_path: Path) -> None:
    light = open_light("sim://", tmp_path)
    sim = light.inner
    assert isinstance(sim, SimulatedLight)
    light.set(True)
    assert sim.is_on and light.is_on and not light.fault
    light.set(False)
    assert not sim.is_on
    (tmp_path / "light-broken").touch()
    light.set(True)
    assert light.fault == "light_unavailable" and not sim.is_on
    (tmp_path / "light-broken").unlink()
    light.set(True)
    assert not light.fault and sim.is_on


def test_factory_uris(tmp_path: Path) -> None:
    relay = open_light("usbrelay://16c0:05df?channel=3", tmp_path).inner
    assert isinstance(relay, UsbRelayLight) and relay.channel == 3
    open_light("none://", tmp_path).set(True)
    for bad in ("hid://x", "usbrelay://zz?channel=1", "usbrelay://?chan=1"):
        with pytest.raises(ValueError):
            open_light(bad, tmp_path)


def test_kioskctl_light(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["--simulate", "light", "on"]).exit_code == 0
    assert (tmp_path / "sim" / "light-on").exists()
    r = runner.invoke(cli, ["--simulate", "light", "blink", "--times", "2", "--period", "0.02"])
    assert r.exit_code == 0 and not (tmp_path / "sim" / "light-on").exists()
    (tmp_path / "sim" / "light-broken").touch()
    r = runner.invoke(cli, ["--simulate", "light", "on"])
    assert r.exit_code == 1 and "light_unavailable" in r.output
