"""Unit tests run programs in this process (click's CliRunner): `kioskctl` sets the owner-only
umask for its process, so each test gets back the umask it started with."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    before = os.umask(0o077)
    os.umask(before)
    yield
    os.umask(before)
