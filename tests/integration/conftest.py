"""Fixtures of the integration tests; the process helpers live in `processes.py`, the
throwaway PostgreSQL cluster in `postgres_server.py`, the private print server in
`cupsd_server.py`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.cupsd_server import CupsdError, PrivateCupsd
from tests.integration.pcsc_server import PcscError, PrivatePcscd, missing_packages
from tests.integration.postgres_server import (
    ClusterError,
    PostgresCluster,
    find_bin_dir,
    start_cluster,
)
from tests.integration.processes import Server, start_server
from tests.integration.swtpm_server import Swtpm, SwtpmError, swtpm_binary


@pytest.fixture
def provincial_server(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path / "server" / "records.sqlite")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the session; skipped where PostgreSQL is absent."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[dev]')")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in"
                    " /usr/lib/postgresql/*/bin: apt-get install postgresql (scripts/setup.sh)")
    try:
        cluster = start_cluster(bin_dir)
    except ClusterError as exc:
        pytest.fail(f"PostgreSQL is installed but the test cluster did not start: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of a fresh, empty database in the session's cluster."""
    return postgres_cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def private_cupsd() -> Iterator[PrivateCupsd]:
    """One private CUPS scheduler for the session (each test makes its own queues). Never
    skipped: scripts/setup.sh installs CUPS, so its absence is a failure to fix."""
    try:
        cupsd = PrivateCupsd().start()
    except CupsdError as exc:
        pytest.fail(str(exc))
    yield cupsd
    cupsd.stop()


@pytest.fixture
def swtpm_machines(tmp_path: Path) -> Iterator[Callable[[str], Swtpm]]:
    """Starts software TPMs: `machines("a")` is a running swtpm whose state is tmp_path/a (the
    same name again after `stop()` is a reboot of that machine); all are stopped at the end.
    Skipped only where swtpm is not installed (scripts/setup.sh installs it)."""
    if swtpm_binary() is None:
        pytest.skip("swtpm is not installed: run scripts/setup.sh (apt-get install swtpm)")
    started: list[Swtpm] = []

    def start(name: str) -> Swtpm:
        try:
            machine = Swtpm(tmp_path / f"swtpm-{name}").start()
        except SwtpmError as exc:
            pytest.fail(str(exc))
        started.append(machine)
        return machine

    yield start
    for machine in started:
        machine.stop()


@pytest.fixture
def swtpm(swtpm_machines: Callable[[str], Swtpm]) -> Swtpm:
    """One running software TPM: one machine."""
    return swtpm_machines("machine")


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PrivatePcscd]:
    """One private pcscd with a vpcd reader for the session (`reader_uri`, `insert(card_file)`,
    `remove()`); each test inserts its own card. Skipped only where pcscd or vpcd is not
    installed (scripts/setup.sh installs them)."""
    why = missing_packages()
    if why is not None:
        pytest.skip(why)
    try:
        server = PrivatePcscd().start()
    except PcscError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def reader_slot(pcscd: PrivatePcscd) -> Iterator[PrivatePcscd]:
    """The session's pcscd, with the reader left empty after the test."""
    yield pcscd
    pcscd.remove()
