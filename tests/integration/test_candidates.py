"""Candidates' data, every actor its own process over loopback: the province imports a file,
a technician enrols a machine at a point and syncs its roster with `kioskctl` (the uploader
does the same on its timer), the kiosk looks a candidate up online and, once the server is
gone, from the roster. The roster sealed by one software TPM does not open under another;
candidates are kept alike on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devtools.synthetic_candidates import generate, write_csv
from hardware.tpm import open_key_store
from kiosk.candidate_lookup import candidate_lookup_for
from kiosk.config import load_config
from kiosk.roster import RosterError, RosterStore
from kiosk.sync.roster import machine_rosters
from tests.integration.processes import Server, console_script, start_server
from tests.integration.swtpm_server import Swtpm

POINT = "长沙市一中"


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                          env=env or dict(os.environ))


def _enrolled_kiosk(server: Server, tmp_path: Path) -> Path:
    token = _run(console_script("provincial-api"), "tokens", "issue", "--county", "4301",
                 "--point", POINT, "--db", str(server.db),
                 "--receipt-key", str(server.receipt_public_key))
    assert token.returncode == 0, token.stderr
    config = tmp_path / "kiosk.toml"
    env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "kiosk-data"),
           "KIOSK_ENROL_TOKEN": token.stdout.strip()}
    env.pop("KIOSK_CONFIG", None)
    done = _run(console_script("kioskctl"), "--simulate", "enrol", "--api", server.url,
                "--config", str(config), env=env)
    assert done.returncode == 0, done.stderr
    return config


def _ctl(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(console_script("kioskctl"), "--simulate", *args, "--config", str(config),
                env={**os.environ, "KIOSK_SIMULATE": "1"})


def test_import_sync_then_look_up_online_and_offline(tmp_path: Path) -> None:
    here = generate(30, county="4301", point=POINT)
    elsewhere = generate(5, county="4302", point="外县一中", start=500)
    csv_path = tmp_path / "candidates.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        write_csv([p.candidate for p in here + elsewhere], out)

    server = start_server(tmp_path / "province" / "api.sqlite", dev_enrol=False,
                          extra=("--allow-file-keys",))
    try:
        done = _run(console_script("provincial-api"), "candidates", "import", str(csv_path),
                    "--db", str(server.db))
        assert done.returncode == 0, done.stderr
        assert "imported 35 candidate(s)" in done.stdout
        config_path = _enrolled_kiosk(server, tmp_path / "kiosk")

        synced = _ctl(config_path, "candidates", "sync", "--exam", "gaokao", "--json")
        assert synced.returncode == 0, synced.stdout + synced.stderr
        (report,) = json.loads(synced.stdout)
        assert (report["exam"], report["point"], report["count"]) == ("gaokao", POINT, 30)
        status = _ctl(config_path, "candidates", "status")
        assert status.returncode == 0 and f"gaokao: 30 candidate(s) of {POINT}" in status.stdout
        output = synced.stdout + status.stdout + "".join(server.lines)
        assert here[0].candidate.id_number not in output  # nothing personal in any output

        config = load_config(config_path)
        _uploader_syncs_the_roster(config, config_path)
        lookup = candidate_lookup_for(config)  # the kiosk's own wiring
        online = lookup.find("gaokao", here[3].candidate.id_number)
        assert online is not None and online.source == "api"
        assert online.fields == here[3].candidate.fields
        assert lookup.find("gaokao", elsewhere[0].candidate.id_number) is None
    finally:
        server.stop()

    offline = lookup.find("gaokao", here[7].candidate.id_number)  # the server is gone
    assert offline is not None and offline.source == "roster"
    assert offline.first_sequence_number == here[7].candidate.first_sequence_number
    assert lookup.find("gaokao", elsewhere[1].candidate.id_number) is None
    assert lookup.client is not None
    lookup.client.close()


def _uploader_syncs_the_roster(config, config_path: Path) -> None:
    """The uploader process, on its own timer, fetches the roster of the bundle's `confirm`."""
    from central_api_client.config_bundle import FORMAT
    from kiosk.central_config import CURRENT, central_dir

    rosters = machine_rosters(config)
    assert rosters.purge("gaokao")  # the one kioskctl fetched
    central_dir(config).mkdir(parents=True, exist_ok=True)
    (central_dir(config) / CURRENT).write_text(json.dumps({
        "format": FORMAT, "version": 1, "expires": "2099-01-01T00:00:00Z",
        "workflows": {"confirm": {"steps": ["card", "done"], "windows": []}}}))
    uploader = subprocess.Popen([console_script("kiosk-uploader"), "--simulate", "--config",
                                 str(config_path)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while rosters.status("gaokao") is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        uploader.terminate()
        uploader.wait(timeout=15)
    status = rosters.status("gaokao")
    assert status is not None and status.count == 30


def test_a_roster_sealed_under_one_tpm_does_not_open_under_another(
        swtpm_machines: Callable[[str], Swtpm], tmp_path: Path) -> None:
    from central_api_client.candidates import Roster
    from central_api_client.contract import utc_now

    people = generate(5, county="4301", point=POINT)
    roster = Roster("gaokao", "4301", POINT, utc_now(), tuple(p.candidate for p in people))
    now = datetime.now(UTC)
    data = tmp_path / "a" / "kiosk-data"
    first = swtpm_machines("first")
    store = open_key_store(first.uri, data / "keys")
    try:
        rosters = RosterStore(data, "HN-4301-0001", store.secrets)
        rosters.save(roster, now, now + timedelta(days=1))
        assert rosters.find("gaokao", people[2].candidate.id_number, now) == people[2].candidate
    finally:
        store.close()

    copy = tmp_path / "b" / "kiosk-data"
    shutil.copytree(data, copy)  # the roster and its sealed key, every byte
    second = swtpm_machines("second")
    store = open_key_store(second.uri, copy / "keys")
    try:
        elsewhere = RosterStore(copy, "HN-4301-0001", store.secrets)
        assert elsewhere.status("gaokao").count == 5  # the header says what it holds ...
        with pytest.raises(RosterError) as refused:  # ... and nothing opens
            elsewhere.find("gaokao", people[2].candidate.id_number, now)
    finally:
        store.close()
    assert "tpm_wrong_machine" in str(refused.value)


@pytest.fixture(params=["sqlite", "postgres"])
def province_db(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "server" / "api.sqlite"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_candidates_are_kept_replaced_and_found_alike_on_both_backends(province_db) -> None:
    from provincial_api.backend import open_backend, open_candidates

    _, registry = open_backend(province_db)
    store = open_candidates(province_db)
    first = generate(3, county="4301", point=POINT)
    store.put_many([p.candidate for p in first], "2026-09-01T00:00:00.000Z")
    moved = replace(first[0].candidate, point="别的报名点", fields={"school": "新学校"})
    store.put_many([moved], "2026-09-02T00:00:00.000Z")  # edited online: replaced
    assert store.find("gaokao", moved.id_number, "4301") == moved
    assert store.find("gaokao", moved.id_number, "4302") is None
    assert [c.id_number for c in store.of_point("gaokao", "4301", POINT)] == sorted(
        p.candidate.id_number for p in first[1:])
    assert store.count() == {"gaokao": 3}
    registry.add("HN-4301-0007", b"k" * 32, "2026-09-01T00:00:00.000Z", "operator")
    standing = store.standing("HN-4301-0007")  # no token: its id's county, no point
    assert (standing.county_code, standing.point) == ("4301", None)
