"""atomic_write: the old file or the new one, never half; a kept secret is never replaced."""

from __future__ import annotations

import os
import stat

from central_api_client.files import atomic_write


def test_replaces_whole_and_sets_the_mode(tmp_path) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(b"old")
    assert atomic_write(path, b"new contents", mode=0o600)
    assert path.read_bytes() == b"new contents"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["key.pem"]  # no temporary left behind


def test_keep_existing_never_replaces(tmp_path) -> None:
    path = tmp_path / "secret"
    assert atomic_write(path, b"first", mode=0o600, keep_existing=True)
    assert not atomic_write(path, b"second", mode=0o600, keep_existing=True)
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_no_mode_gives_an_ordinary_file_as_the_umask_says(tmp_path) -> None:
    path = tmp_path / "manifest.json"
    before = os.umask(0o022)
    try:
        atomic_write(path, b"{}", mode=None)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o077)  # the kiosk's programs: owner-only
        atomic_write(path, b"{}")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(before)
