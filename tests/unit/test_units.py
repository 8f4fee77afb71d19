"""The systemd units (systemd/) as systemd 252 reads them: `systemd-analyze verify` on each,
against a throwaway root holding the system's own units and stand-ins for the programs they
start (verify refuses an ExecStart= that is not there), and `systemd-analyze security
--offline=true`, whose exposure score each unit's hardening keeps low (printed: run with -s)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The kiosk's units, and the province's (systemd/province/: its publishing server's, which the
# kiosk's installer does not lay down).
UNITS = [u for folder in ("systemd", "systemd/province") for kind in ("*.service", "*.timer")
         for u in sorted((ROOT / folder).glob(kind))]
SERVICES = [u for u in UNITS if u.suffix == ".service"]
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
# What each service's sandbox must keep its exposure under (0 safest, 10 none). The uploader
# and the config updater need only the database and the network; the kiosk needs its devices;
# the province's timestamp re-signing needs its repository folder only, not even the network.
MAX_EXPOSURE = {
    "kiosk-repo-timestamp.service": 2.0,
    "kiosk-uploader.service": 4.0,
    "kiosk-config-update.service": 4.0,
    "kiosk.service": 4.0,
}

ANALYZE = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze missing: scripts/setup.sh")


def exec_binaries(unit: Path) -> set[str]:
    """The programs a unit starts (ExecStart= and friends), without their prefixes (-@:+!)."""
    found = set()
    for line in unit.read_text(encoding="utf-8").splitlines():
        match = re.match(r"Exec(?:Start|StartPre|StartPost|Stop|StopPost|Reload)=\s*(\S+)", line)
        if match:
            found.add(match.group(1).lstrip("-@:+!"))
    return found


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root with the system's units (targets, logind, getty@), ours, and an executable stand-in
    at each path ours start, so verify checks the units and not this machine's installation."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    ours = root / "etc/systemd/system"
    ours.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, ours / unit.name)
        for binary in exec_binaries(unit):
            stand_in = root / binary.lstrip("/")
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text("#!/bin/sh\nexit 0\n")
            stand_in.chmod(0o755)
    return root


def test_there_are_the_kiosk_s_four_units_and_the_province_s_two():
    assert {u.name for u in UNITS} == {
        "kiosk.service", "kiosk-uploader.service", "kiosk-config-update.service",
        "kiosk-config-update.timer", "kiosk-repo-timestamp.service", "kiosk-repo-timestamp.timer"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_accepts_the_unit(unit_root: Path, unit: Path):
    result = subprocess.run([ANALYZE, "verify", f"--root={unit_root}", unit.name],
                            capture_output=True, text=True, timeout=60)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    # verify exits 0 over unknown keys and bad values, only warning: none may concern ours.
    ours = [line for line in report.splitlines() if "kiosk" in line]
    assert not ours, report


def test_verify_notices_a_missing_program(unit_root: Path, tmp_path: Path):
    """The check above is worth something: the same verify fails when ExecStart= is absent."""
    broken = unit_root / "etc/systemd/system/kiosk-broken.service"
    broken.write_text("[Service]\nExecStart=/opt/kiosk/.venv/bin/nothing-here\n")
    try:
        result = subprocess.run([ANALYZE, "verify", f"--root={unit_root}", broken.name],
                                capture_output=True, text=True, timeout=60)
    finally:
        broken.unlink()
    assert result.returncode != 0 and "nothing-here" in result.stderr


def exposure(unit: Path) -> float:
    result = subprocess.run([ANALYZE, "security", "--offline=true", "--no-pager", str(unit)],
                            capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_exposure_is_low(unit: Path):
    score = exposure(unit)
    print(f"systemd-analyze security: {unit.name} exposure {score}")
    assert score < MAX_EXPOSURE[unit.name], f"{unit.name}: exposure {score}"


def test_the_uploader_has_only_the_tpm_and_few_address_families():
    """Its device key signs every request, so it may open the TPM's resource manager and
    nothing else."""
    text = (ROOT / "systemd/kiosk-uploader.service").read_text(encoding="utf-8")
    for line in ("DevicePolicy=closed", "CapabilityBoundingSet=\n",
                 "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SupplementaryGroups=tss",
                 "SystemCallFilter=@system-service", "Type=notify", "WatchdogSec="):
        assert line in text, line
    assert [line for line in text.splitlines() if line.startswith("DeviceAllow")] == [
        "DeviceAllow=/dev/tpmrm0 rw"]


def test_the_kiosk_runs_in_cage_with_only_its_devices():
    text = (ROOT / "systemd/kiosk.service").read_text(encoding="utf-8")
    for line in ("Type=notify", "NotifyAccess=all", "WatchdogSec=", "PAMName=kiosk",
                 "ExecStart=/usr/bin/cage -d -- /opt/kiosk/.venv/bin/kiosk",
                 "DevicePolicy=closed", "ProtectSystem=strict", "ProtectHome=yes",
                 "StateDirectory=kiosk", "PrivateTmp=yes", "NoNewPrivileges=yes", "LimitCORE=0",
                 "UMask=0077", "SupplementaryGroups=dialout video plugdev lp tss audio"):
        assert line in text, line
    allowed = set(re.findall(r"^DeviceAllow=(\S+)", text, re.MULTILINE))
    assert allowed == {"/dev/tty1", "char-drm", "char-input", "char-ttyUSB",
                       "char-video4linux", "char-usb_device", "/dev/tpmrm0", "char-alsa"}
    assert "DeviceAllow=char-input r\n" in text  # read only
    assert not re.search(r"^PrivateDevices=yes", text, re.MULTILINE)  # would hide the devices


def test_the_province_s_timer_re_signs_the_timestamp_well_before_it_expires():
    """The timestamp is valid for a day (`--expires 1d`); the timer runs every 6 hours and after
    boot, so a run or three may fail before any kiosk sees an expired timestamp."""
    service = (ROOT / "systemd/province/kiosk-repo-timestamp.service").read_text(encoding="utf-8")
    timer = (ROOT / "systemd/province/kiosk-repo-timestamp.timer").read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=\S+/kiosk-admin repo timestamp \S+ --expires 1d$", service,
                     re.MULTILINE)
    for line in ("Type=oneshot", "PrivateNetwork=yes", "ProtectSystem=strict",
                 "StateDirectory=kiosk-config", "UMask=0027", "NoNewPrivileges=yes"):
        assert line in service, line
    for line in ("OnCalendar=00/6:00", "Persistent=true", "Unit=kiosk-repo-timestamp.service"):
        assert line in timer, line
    result = subprocess.run([ANALYZE, "calendar", "--iterations=5", "00/6:00"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    runs = [datetime.fromisoformat(m) for m in re.findall(
        r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+)", result.stdout)]
    assert len(runs) == 5, result.stdout
    assert {b - a for a, b in zip(runs, runs[1:], strict=False)} == {timedelta(hours=6)}
