"""scripts/install.sh against a throwaway root, as a technician runs it on a fresh Debian 12
machine but without the network (--skip-packages, --skip-venv): the user and its groups, the
units enabled, the PAM file and udev rules, /etc/kiosk (0750) with an example kiosk.toml, the
data dir; an existing kiosk.toml is kept; a second run changes nothing at all."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.config import load_config

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "scripts" / "install.sh"
UNITS = ["kiosk.service", "kiosk-uploader.service", "kiosk-config-update.service",
         "kiosk-config-update.timer"]

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the installer runs as root (chown, useradd)"),
    pytest.mark.skipif(not (shutil.which("useradd") and shutil.which("systemctl")),
                       reason="useradd and systemctl: scripts/setup.sh"),
]


def fresh_root(path: Path) -> Path:
    """What a fresh Debian has that the installer relies on: the base accounts (tss is not
    among them: the installer makes it) and systemd's own units (graphical.target...)."""
    etc = path / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    groups = {"root": 0, "lp": 7, "dialout": 20, "video": 44, "plugdev": 46}
    (etc / "group").write_text("".join(f"{g}:x:{n}:\n" for g, n in groups.items()))
    (etc / "gshadow").write_text("".join(f"{g}:*::\n" for g in groups))
    for name in ("shadow", "gshadow"):
        (etc / name).chmod(0o640)
    shutil.copytree("/usr/lib/systemd/system", path / "usr/lib/systemd/system", symlinks=True)
    return path


def install(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(INSTALL), "--root", str(root), "--skip-packages", "--skip-venv"],
                          capture_output=True, text=True, timeout=120)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under the root: its type, mode, owner, size, content time and link target."""
    seen = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        link = os.readlink(path) if path.is_symlink() else None
        seen[str(path.relative_to(root))] = (st.st_mode, st.st_uid, st.st_gid, st.st_size,
                                             st.st_mtime_ns, link)
    return seen


def account(root: Path, table: str, name: str) -> list[str]:
    for line in (root / "etc" / table).read_text().splitlines():
        if line.split(":")[0] == name:
            return line.split(":")
    raise AssertionError(f"{name} not in {table}")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_install_lays_the_machine_down_and_a_second_run_changes_nothing(tmp_path):
    root = fresh_root(tmp_path / "root")
    first = install(root)
    assert first.returncode == 0, first.stdout + first.stderr
    print(first.stdout)

    # The user, its own group and the device groups (tss made, the rest joined).
    user = account(root, "passwd", "kiosk")
    uid, gid = int(user[2]), int(user[3])
    assert user[5] == "/var/lib/kiosk" and user[6] == "/usr/sbin/nologin" and uid < 1000
    for group in ("dialout", "video", "plugdev", "lp", "tss"):
        assert "kiosk" in account(root, "group", group)[3].split(","), group

    # Units, the PAM file and the udev rules, root's and readable.
    etc = root / "etc"
    for unit in UNITS:
        installed = etc / "systemd/system" / unit
        assert installed.read_bytes() == (ROOT / "systemd" / unit).read_bytes()
        assert mode(installed) == 0o644 and installed.stat().st_uid == 0
    assert (etc / "pam.d/kiosk").read_bytes() == (ROOT / "packaging/pam/kiosk").read_bytes()
    rules = etc / "udev/rules.d/70-kiosk.rules"
    assert rules.read_bytes() == (ROOT / "packaging/udev/70-kiosk.rules").read_bytes()

    # Enabled: the [Install] symlinks, the graphical boot, tty1 without a getty.
    wants = {
        "graphical.target.wants/kiosk.service": "kiosk.service",
        "multi-user.target.wants/kiosk-uploader.service": "kiosk-uploader.service",
        "timers.target.wants/kiosk-config-update.timer": "kiosk-config-update.timer",
    }
    for link, unit in wants.items():
        path = etc / "systemd/system" / link
        assert path.is_symlink() and os.readlink(path) == f"/etc/systemd/system/{unit}", link
    assert os.readlink(etc / "systemd/system/getty@tty1.service") == "/dev/null"
    default = subprocess.run(["systemctl", f"--root={root}", "get-default"],
                             capture_output=True, text=True)
    assert default.stdout.strip() == "graphical.target"
    assert not (etc / "systemd/system/kiosk-config-update.service").is_symlink()

    # /etc/kiosk: root's, the kiosk group reads, others nothing; the example config loads.
    conf_dir, conf = etc / "kiosk", etc / "kiosk/kiosk.toml"
    assert mode(conf_dir) == 0o750 and (conf_dir.stat().st_uid, conf_dir.stat().st_gid) == (0, gid)
    assert mode(conf) == 0o640 and (conf.stat().st_uid, conf.stat().st_gid) == (0, gid)
    assert load_config(conf).data_dir == Path("/var/lib/kiosk")
    data = root / "var/lib/kiosk"
    assert mode(data) == 0o700 and (data.stat().st_uid, data.stat().st_gid) == (uid, gid)

    # A second run: nothing changes, not even a file's time.
    before = snapshot(root)
    second = install(root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing to change" in second.stdout, second.stdout
    assert snapshot(root) == before


def test_an_existing_config_is_kept_and_a_changed_unit_is_put_back(tmp_path):
    root = fresh_root(tmp_path / "root")
    (root / "etc/kiosk").mkdir(parents=True)
    mine = root / "etc/kiosk/kiosk.toml"
    mine.write_text('data_dir = "/srv/kiosk"\n')
    assert install(root).returncode == 0
    assert mine.read_text() == 'data_dir = "/srv/kiosk"\n'  # the technician's, untouched
    assert mode(root / "etc/kiosk") == 0o750

    unit = root / "etc/systemd/system/kiosk-uploader.service"
    unit.write_text("[Service]\nExecStart=/bin/false\n")  # an edited or stale copy
    again = install(root)
    assert again.returncode == 0 and "installed /etc/systemd/system/kiosk-uploader.service" \
        in again.stdout, again.stdout
    assert unit.read_bytes() == (ROOT / "systemd/kiosk-uploader.service").read_bytes()


def test_cupsd_is_set_to_keep_no_copy_of_a_printed_form_and_the_rest_is_left_alone(tmp_path):
    """Debian's cupsd.conf keeps job files a day by default (a printed form: name, ID number,
    photo, signature); the installer sets the kiosk's directives and touches nothing else."""
    root = fresh_root(tmp_path / "root")
    conf = root / "etc/cups/cupsd.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("LogLevel warn\nPreserveJobHistory Yes\nListen /run/cups/cups.sock\n")
    first = install(root)
    assert first.returncode == 0, first.stdout + first.stderr
    lines = conf.read_text().splitlines()
    assert lines == ["LogLevel warn", "PreserveJobHistory No", "Listen /run/cups/cups.sock",
                     "PreserveJobFiles No"]
    again = install(root)
    assert "nothing to change" in again.stdout, again.stdout
    assert conf.read_text().splitlines() == lines


def test_the_installed_units_verify_in_the_root(tmp_path):
    """The installed root is one systemd accepts, once the programs exist (the venv's, cage)."""
    root = fresh_root(tmp_path / "root")
    assert install(root).returncode == 0
    for program in ("opt/kiosk/.venv/bin/kiosk", "opt/kiosk/.venv/bin/kiosk-uploader",
                    "opt/kiosk/.venv/bin/kioskctl", "usr/bin/cage"):
        path = root / program
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    result = subprocess.run(["systemd-analyze", "verify", f"--root={root}", *UNITS],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "kiosk" not in result.stderr, result.stderr
