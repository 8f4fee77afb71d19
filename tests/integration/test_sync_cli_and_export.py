"""`kioskctl sync status|now`, `kioskctl export` and `provincial-api import`, as processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kiosk.config import load_config
from kiosk.seal import DEVICE_PUBLIC_KEY_FILE
from kiosk.store import KioskStore
from tests.integration.processes import (
    KioskEnv,
    console_script,
    start_server,
    write_kiosk_config,
)
from tests.integration.test_records_pipeline import _commit_records
from tests.store_helpers import recent_audit


def _ctl(kiosk: KioskEnv, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([console_script("kioskctl"), "--simulate", *args,
                           "--config", str(kiosk.config_path)],
                          capture_output=True, text=True, timeout=60)


def test_unknown_device_then_enrolled_then_clock_skew_in_words(tmp_path: Path) -> None:
    server = start_server(tmp_path / "server.sqlite", dev_enrol=False)
    try:
        kiosk = write_kiosk_config(tmp_path, server.url, receipt_key=server.receipt_public_key)
        _commit_records(kiosk, 2)
        now = _ctl(kiosk, "sync", "now", "--json")
        assert now.returncode == 1
        report = json.loads(now.stdout)
        assert report["status"] == "unknown_device" and "enrol" in report["status_words"]
        assert report["records"]["queued"] == 2

        key = load_config(kiosk.config_path).keys_dir / DEVICE_PUBLIC_KEY_FILE
        added = subprocess.run(
            [console_script("provincial-api"), "devices", "add", "SIM-0001", "--public-key",
             str(key), "--db", str(server.db)], capture_output=True, text=True, timeout=30)
        assert added.returncode == 0, added.stderr
        now = _ctl(kiosk, "sync", "now", "--json")
        assert now.returncode == 0, now.stdout[-1000:]
        assert json.loads(now.stdout)["records"]["acknowledged"] == 2
        text = _ctl(kiosk, "sync", "status")
        assert text.returncode == 0 and "Uploading normally" in text.stdout
    finally:
        server.stop()

    # The kiosk's clock ten minutes slow: `kioskctl` runs with its signing clock set back.
    skewed = start_server(tmp_path / "server2.sqlite")
    try:
        (tmp_path / "k2").mkdir()
        kiosk2 = write_kiosk_config(tmp_path / "k2", skewed.url,
                                    receipt_key=skewed.receipt_public_key)
        _commit_records(kiosk2, 1)
        result = subprocess.run([sys.executable, "-c", SLOW_CLOCK_KIOSKCTL, "sync", "now",
                                 "--json", "--config", str(kiosk2.config_path)],
                                env=kiosk2.env(), capture_output=True, text=True, timeout=60)
        report = json.loads(result.stdout)
        assert result.returncode == 1 and report["status"] == "clock_skew"
        assert "clock is wrong" in report["status_words"]
        assert 590 < report["clock_offset_s"] < 610 and "behind" in report["status_words"]
        text = subprocess.run([console_script("kioskctl"), "sync", "status", "--config",
                               str(kiosk2.config_path)], env=kiosk2.env(), capture_output=True,
                              text=True)
        assert "clock is wrong" in text.stdout and "network" not in text.stdout.lower()
    finally:
        skewed.stop()


SLOW_CLOCK_KIOSKCTL = """
import sys, time
real = time.time
time.time = lambda: real() - 600
from provisioning.kioskctl import cli
sys.argv[0] = "kioskctl"
cli()
"""


def test_export_then_import_then_upload_stores_each_record_once(tmp_path: Path) -> None:
    server = start_server(tmp_path / "server.sqlite")
    try:
        kiosk = write_kiosk_config(tmp_path, server.url, receipt_key=server.receipt_public_key)
        committed = _commit_records(kiosk, 5)
        usb = tmp_path / "usb"
        exported = _ctl(kiosk, "export", "--to", str(usb))
        assert exported.returncode == 0, exported.stderr
        assert "5 records exported" in exported.stdout
        (bundle,) = usb.iterdir()
        assert (bundle / "manifest.json").exists() and (bundle / "manifest.sig").exists()

        key = load_config(kiosk.config_path).keys_dir / DEVICE_PUBLIC_KEY_FILE
        subprocess.run([console_script("provincial-api"), "devices", "add", "SIM-0001",
                        "--public-key", str(key), "--db", str(server.db)], check=True,
                       capture_output=True, timeout=30)
        imported = subprocess.run([console_script("provincial-api"), "import", str(bundle),
                                   "--db", str(server.db)], capture_output=True, text=True,
                                  timeout=60)
        assert imported.returncode == 0, imported.stderr
        assert json.loads(imported.stdout) == {"device_id": "SIM-0001", "stored": 5,
                                               "already_held": 0, "refused": 0}
        again = subprocess.run([console_script("provincial-api"), "import", str(bundle),
                                "--db", str(server.db)], capture_output=True, text=True,
                               timeout=60)
        assert json.loads(again.stdout)["already_held"] == 5

        # The kiosk still uploads them when the network returns; the server keeps one each.
        now = _ctl(kiosk, "sync", "now", "--json")
        assert now.returncode == 0 and json.loads(now.stdout)["records"]["acknowledged"] == 5
        listed = subprocess.run([console_script("provincial-api"), "list", "--json", "--db",
                                 str(server.db)], capture_output=True, text=True, check=True)
        assert sorted(json.loads(line)["record_id"] for line in listed.stdout.splitlines()) == \
            sorted(record_id for record_id, _ in committed)

        # A tampered record is refused, the rest of the bundle still counts.
        victim = next((bundle / "records").iterdir())
        body = json.loads(victim.read_text())
        body["signature"] = body["signature"][::-1]
        victim.write_text(json.dumps(body))
        tampered = subprocess.run([console_script("provincial-api"), "import", str(bundle),
                                   "--db", str(server.db)], capture_output=True, text=True,
                                  timeout=60)
        assert tampered.returncode == 1 and json.loads(tampered.stdout)["refused"] == 1
        # A tampered manifest refuses the whole bundle.
        manifest = bundle / "manifest.json"
        manifest.write_text(manifest.read_text().replace("SIM-0001", "SIM-0001", 1) + " ")
        whole = subprocess.run([console_script("provincial-api"), "import", str(bundle),
                                "--db", str(server.db)], capture_output=True, text=True,
                               timeout=60)
        assert whole.returncode == 1 and "does not verify" in whole.stderr
        with KioskStore(load_config(kiosk.config_path).database_path) as store:
            assert recent_audit(store, 5)[0]["event"] != ""
    finally:
        server.stop()


def test_a_server_without_the_provinces_receipt_key_gets_nothing_marked_delivered(
        tmp_path: Path) -> None:
    """The server stores the records, but signs its receipts with another key than the one
    this kiosk was given: nothing counts as delivered, and the technician is told in words.
    Given the right key, reconciliation settles what the province already holds."""
    server = start_server(tmp_path / "server.sqlite")
    try:
        kiosk = write_kiosk_config(tmp_path / "k", server.url)  # trusts a throwaway key
        _commit_records(kiosk, 3)
        now = _ctl(kiosk, "sync", "now", "--json")
        assert now.returncode == 1
        report = json.loads(now.stdout)
        assert report["status"] == "bad_receipt" and report["records"]["acknowledged"] == 0
        assert report["records"]["queued"] == 3
        text = _ctl(kiosk, "sync", "status")
        assert "not signed by the province's receipt key" in " ".join(text.stdout.split())

        config = kiosk.config_path.read_text()
        kiosk.config_path.write_text(config.replace(
            str(tmp_path / "k" / "throwaway_receipt.pub.pem"), str(server.receipt_public_key)))
        settled = _ctl(kiosk, "sync", "reconcile", "--json")
        assert settled.returncode == 0, settled.stderr
        # The first batch (batch_size 2) was stored before the drain stopped at its receipts.
        counts = json.loads(settled.stdout)
        assert (counts["delivered_now"], counts["waiting"], counts["requeued"]) == (2, 1, 0)
        assert json.loads(_ctl(kiosk, "sync", "status", "--json").stdout)[
            "unproven_acknowledgements"] == 0
    finally:
        server.stop()
