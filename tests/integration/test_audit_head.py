"""The audit chain's head travels signed with every request, and the province flags a machine
whose chain lost an entry: the kiosk uploads, an entry is deleted from its database, it uploads
again, and `provincial-api devices list` says REWRITTEN. Real processes over loopback.

A request carries the head as it was when signed, before the acknowledgements it brings are
appended; the uploader then shows the province the head with them (`report_audit_head`), or the
next candidate's entry would hide a deletion meanwhile.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

from kiosk.config import load_config
from kiosk.store import KioskStore
from tests.integration.processes import KioskEnv, Server, console_script, write_kiosk_config
from tests.integration.test_records_pipeline import _commit_records


def _devices_list(server: Server) -> str:
    out = subprocess.run([console_script("provincial-api"), "devices", "list", "--db",
                          str(server.db)], capture_output=True, text=True, timeout=30, check=True)
    (line,) = [line for line in out.stdout.splitlines() if line.startswith("SIM-0001\t")]
    return line


def _kiosk_head(kiosk: KioskEnv) -> str:
    with KioskStore(load_config(kiosk.config_path).database_path) as store:
        return store.audit.head_header()


def _listed(head: str) -> str:
    """How `devices list` shows a head: the count and the hash's first 12 digits."""
    count, digest = head.split(":")
    return f"audit {count}:{digest[:12]}"


def _run(kiosk: KioskEnv, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=kiosk.env(), capture_output=True, text=True,
                          timeout=60)


def test_a_deleted_audit_entry_is_flagged_by_the_province(
        tmp_path: Path, provincial_server: Server) -> None:
    kiosk = write_kiosk_config(tmp_path, provincial_server.url,
                               receipt_key=provincial_server.receipt_public_key)
    uploader = [console_script("kiosk-uploader"), "--once"]
    _commit_records(kiosk, 2)
    assert re.fullmatch(r"2:[0-9a-f]{64}", _kiosk_head(kiosk))  # the pattern the server wants
    first = _run(kiosk, *uploader)
    assert first.returncode == 0, first.stdout[-2000:]
    head = _kiosk_head(kiosk)
    assert head.startswith("4:")  # two commits, two acknowledgements: the province saw them
    seen = _devices_list(provincial_server)
    assert _listed(head) in seen and "TRUNCATED" not in seen and "REWRITTEN" not in seen

    # Someone with the file removes the first record's commit from the machine's account.
    with sqlite3.connect(load_config(kiosk.config_path).database_path) as conn:
        conn.execute("DELETE FROM audit WHERE id = 1")
    verify = _run(kiosk, console_script("kioskctl"), "audit", "verify",
                  "--config", str(kiosk.config_path))
    assert verify.returncode == 1 and "BROKEN at entry 2" in verify.stdout

    _commit_records(kiosk, 1)  # the next candidate; the chain is 4 entries long again
    again = _run(kiosk, *uploader)
    assert again.returncode == 0, again.stdout[-2000:]  # the province still takes records
    flagged = _devices_list(provincial_server)
    assert "REWRITTEN (audit log rewritten on the machine)" in flagged, flagged


def test_an_untouched_machine_is_never_flagged(tmp_path: Path,
                                               provincial_server: Server) -> None:
    kiosk = write_kiosk_config(tmp_path, provincial_server.url,
                               receipt_key=provincial_server.receipt_public_key)
    for _ in range(3):
        _commit_records(kiosk, 2)
        assert _run(kiosk, console_script("kiosk-uploader"), "--once").returncode == 0
    line = _devices_list(provincial_server)
    head = _kiosk_head(kiosk)
    assert _listed(head) in line and head.startswith("12:")
    assert "TRUNCATED" not in line and "REWRITTEN" not in line
