"""After a real simulated kiosk run (a candidate's whole journey, its login card printed, the
record uploaded) nothing in the data dir is open to anyone but the owner."""

from __future__ import annotations

import stat
from pathlib import Path


def _loose(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): oct(stat.S_IMODE(p.lstat().st_mode))
            for p in [folder, *folder.rglob("*")] if stat.S_IMODE(p.lstat().st_mode) & 0o077}


def test_a_kiosk_run_leaves_its_files_owner_only(api_server, make_kiosk):
    kiosk = make_kiosk(api_server)
    assert kiosk.play("journey").returncode == 0, kiosk.log_tail()
    assert list((kiosk.data_dir / "sim" / "printouts").glob("*.png"))  # the login card
    assert (kiosk.data_dir / "keys").is_dir() and (kiosk.data_dir / "kivy").is_dir()
    upload = kiosk.upload_once()
    assert upload.returncode == 0, upload.stdout[-2000:]
    assert _loose(kiosk.data_dir) == {}
