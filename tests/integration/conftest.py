"""Fixtures of the integration tests; the process helpers live in `processes.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.processes import Server, start_server


@pytest.fixture
def provincial_server(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path / "server" / "records.sqlite")
    yield server
    server.stop()
