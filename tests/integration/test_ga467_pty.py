"""The real serial adapter against the GA 467 simulator process through a real pty: every card
type, the fault modes, the card watcher over the real reader, and `kioskctl idcard`.

Documents are compared by differing field names only, so nothing personal reaches the output.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.idcard import open_idcard_reader
from hardware.idcard.ga467.reader import Ga467Reader
from hardware.idcard.reader import ReaderError
from hardware.idcard.sim import card_file, place_card, remove_card
from hardware.idcard.sim.process import SimulatorProcess
from hardware.idcard.watcher import (
    CardEvent,
    CardPlaced,
    CardReadFailed,
    CardRemoved,
    CardWatcher,
    ReaderBack,
    ReaderLost,
)
from provisioning.devrun import BIN
from tests.unit.ga467_helpers import SHIPPED, differing, shipped_document


def _reader(sim: SimulatorProcess, tmp: Path, **opts: str) -> Ga467Reader:
    query = "&".join(f"{k}={v}" for k, v in {"timeout": "0.5", **opts}.items())
    reader = open_idcard_reader(f"{sim.uri}&{query}", tmp)
    assert isinstance(reader, Ga467Reader)
    return reader


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ga467-sim")


@pytest.fixture(scope="module")
def sim(sim_dir: Path) -> Iterator[SimulatorProcess]:
    with SimulatorProcess(sim_dir, sam_latency=0.0) as proc:
        yield proc


@pytest.fixture
def reader(sim: SimulatorProcess, sim_dir: Path) -> Iterator[Ga467Reader]:
    remove_card(sim_dir)
    r = _reader(sim, sim_dir)
    yield r
    r.close()
    remove_card(sim_dir)


def test_every_shipped_card_reads_back_whole(reader: Ga467Reader, sim_dir: Path) -> None:
    assert not reader.card_present()
    for stem in SHIPPED:
        place_card(sim_dir, card_file(stem))
        assert reader.card_present()
        doc = reader.read()
        assert differing(doc, shipped_document(stem)) == [], stem
        assert doc.chip_photo is not None and len(doc.chip_photo) == 1024
        assert reader.card_present()  # halted after the read, still there through select
    remove_card(sim_dir)
    assert not reader.card_present()
    with pytest.raises(ReaderError) as err:
        reader.read()
    assert err.value.code == "no_card"


def test_health_and_the_command_set(reader: Ga467Reader, sim_dir: Path) -> None:
    health = reader.health()
    assert health.ok and health.sam_id
    reader.reset_sam()
    assert reader.read_newest_address() is None
    place_card(sim_dir, card_file("permit-hmt"))
    assert differing(reader.read(fingerprint=True), shipped_document("permit-hmt")) == []


def test_baud_rate_change_is_followed(sim_dir: Path) -> None:
    with SimulatorProcess(sim_dir, sam_latency=0.0) as proc:
        r = _reader(proc, sim_dir)
        place_card(sim_dir, card_file("resident-valid"))
        r.set_baud(57600)
        start = time.monotonic()
        assert differing(r.read(), shipped_document("resident-valid")) == []
        assert time.monotonic() - start > 1353 * 10 / 57600  # paced at the new rate
        r.close()


def test_slot_faults_read_failed_and_unplugged(reader: Ga467Reader, sim_dir: Path) -> None:
    place_card(sim_dir, card_file("resident-valid"), fault="read_failed")
    with pytest.raises(ReaderError) as err:
        reader.read()
    assert err.value.code == "card_read_failed"
    place_card(sim_dir, card_file("resident-valid"), fault="unplugged")
    with pytest.raises(ReaderError) as err:
        reader.card_present()
    assert err.value.code == "reader_unavailable"
    place_card(sim_dir, card_file("resident-valid"))
    assert differing(reader.read(), shipped_document("resident-valid")) == []


FAULT_OUTCOMES = [
    # fault, fault_times, what read() gives
    ("no_card", 0, "no_card"),
    ("read_failed", 0, "card_read_failed"),
    ("bad_checksum", 0, "card_read_failed"),
    ("bad_checksum", 1, None),  # one corrupted answer: asked again, read fine
    ("truncated", 0, "card_read_failed"),
    ("garbage", 0, None),  # noise before every answer: resynchronised
    ("slow", 0, "reader_unavailable"),
    ("pulled", 0, "card_removed"),
]


@pytest.mark.parametrize(("fault", "times", "outcome"), FAULT_OUTCOMES,
                         ids=[f"{f}-{t}" for f, t, _ in FAULT_OUTCOMES])
def test_fault_modes(tmp_path: Path, fault: str, times: int, outcome: str | None) -> None:
    with SimulatorProcess(tmp_path, sam_latency=0.05, fault=fault, fault_times=times,
                          slow_delay=0.8) as proc:
        r = _reader(proc, tmp_path, timeout="0.4", read_timeout="0.6")
        place_card(tmp_path, card_file("resident-valid"))
        if outcome is None:
            assert differing(r.read(), shipped_document("resident-valid")) == []
        else:
            with pytest.raises(ReaderError) as err:
                r.read()
            assert err.value.code == outcome
        r.close()


class Events:
    def __init__(self) -> None:
        self.items: list[CardEvent] = []
        self._cond = threading.Condition()

    def __call__(self, ev: CardEvent) -> None:
        with self._cond:
            self.items.append(ev)
            self._cond.notify_all()

    def wait_for(self, kind: type, count: int = 1, timeout: float = 5.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: sum(isinstance(e, kind) for e in self.items) >= count, timeout)
        assert ok, f"no {kind.__name__} within {timeout}s: {[type(e).__name__ for e in self.items]}"


def test_watcher_over_the_real_reader(sim_dir: Path) -> None:
    with SimulatorProcess(sim_dir, sam_latency=0.2) as proc:
        r = _reader(proc, sim_dir)
        events = Events()
        watcher = CardWatcher(r, poll_s=0.05, retries=1, on_event=events)
        remove_card(sim_dir)
        watcher.start()
        try:
            place_card(sim_dir, card_file("foreign-2023"))
            events.wait_for(CardPlaced)
            placed = [e for e in events.items if isinstance(e, CardPlaced)]
            assert differing(placed[0].document, shipped_document("foreign-2023")) == []
            time.sleep(0.6)  # the card stays: no second read, no removal
            assert sum(isinstance(e, CardPlaced) for e in events.items) == 1
            assert not any(isinstance(e, CardRemoved) for e in events.items)
            remove_card(sim_dir)
            events.wait_for(CardRemoved)
            place_card(sim_dir, card_file("resident-valid"), fault="read_failed")
            events.wait_for(CardReadFailed)
            place_card(sim_dir, card_file("resident-valid"), fault="unplugged")
            events.wait_for(ReaderLost)
            place_card(sim_dir, card_file("resident-valid"))
            events.wait_for(ReaderBack)
            events.wait_for(CardPlaced, 2)
        finally:
            watcher.stop()
            r.close()
            remove_card(sim_dir)


def test_watcher_sees_a_card_pulled_mid_read(tmp_path: Path) -> None:
    with SimulatorProcess(tmp_path, sam_latency=0.2, fault="pulled", fault_times=1) as proc:
        r = _reader(proc, tmp_path)
        events = Events()
        watcher = CardWatcher(r, poll_s=0.05, retries=1, on_event=events)
        watcher.start()
        try:
            place_card(tmp_path, card_file("resident-valid"))
            events.wait_for(CardReadFailed)
            assert [e.code for e in events.items if isinstance(e, CardReadFailed)] == \
                ["card_removed"]
            place_card(tmp_path, card_file("resident-valid"))  # the candidate puts it back
            events.wait_for(CardPlaced)
        finally:
            watcher.stop()
            r.close()


def test_kioskctl_idcard_read(sim: SimulatorProcess, sim_dir: Path) -> None:
    place_card(sim_dir, card_file("resident-long-term"))
    out = subprocess.run([str(BIN / "kioskctl"), "idcard", "read", "--device", sim.uri,
                          "--json"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr[-500:]
    report = json.loads(out.stdout)
    expected = shipped_document("resident-long-term").to_fields()
    assert [k for k, v in expected.items() if report.get(k) != v] == []
    assert report["valid_to"] is None and report["card_type"] == "resident"
    assert report["chip_photo_bytes"] == 1024 and "chip_photo" not in report
    remove_card(sim_dir)
    out = subprocess.run([str(BIN / "kioskctl"), "idcard", "read", "--device", sim.uri],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "no_card" in out.stderr


def test_simulator_goes_when_its_parent_is_killed(tmp_path: Path) -> None:
    import os
    import signal
    import sys

    code = ("import sys, time; from pathlib import Path;"
            "from hardware.idcard.sim.process import SimulatorProcess;"
            f"s = SimulatorProcess(Path({str(tmp_path)!r}), stderr=subprocess.DEVNULL);"
            "print(s.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess;" + code],
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15  # generous: the CPU is shared with other test runs
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        # the orphan is reparented and reaped by init; a zombie counts as gone
        try:
            with open(f"/proc/{child}/stat") as f:
                if f.read().split()[2] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.1)
    with open(f"/proc/{child}/stat") as f:
        state = f.read().split()[2]
    os.kill(child, signal.SIGTERM)
    raise AssertionError(f"simulator outlived its parent (state {state})")


def test_kioskctl_idcard_sim_places_the_card_and_prints_the_device(tmp_path: Path) -> None:
    import os
    import select

    proc = subprocess.Popen([str(BIN / "kioskctl"), "idcard", "sim", "--card",
                             str(card_file("foreign-2017")), "--sim-dir", str(tmp_path),
                             "--sam-latency", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        device = proc.stdout.readline().decode().strip() if ready else ""
        assert device.startswith("/dev/") and os.path.exists(device)
        r = open_idcard_reader(f"ga467://{device}", tmp_path)
        assert differing(r.read(), shipped_document("foreign-2017")) == []
        r.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_simulator_serves_a_given_device_path(tmp_path: Path) -> None:
    """`--device PATH`: the simulator on an existing tty (here the slave of our own pty)."""
    import os
    import tty

    from hardware.idcard.ga467 import commands as c
    from hardware.idcard.ga467.frames import parse_response, read_frame

    master, slave = os.openpty()
    tty.setraw(master)
    path = os.ttyname(slave)
    place_card(tmp_path, card_file("resident-valid"))
    with SimulatorProcess(tmp_path, sam_latency=0.0, device=path):
        os.write(master, c.FIND_CARD.encode())

        def read(n: int, timeout: float) -> bytes:
            import select

            ready, _, _ = select.select([master], [], [], timeout)
            return os.read(master, n) if ready else b""

        assert parse_response(read_frame(read, 3.0)).sw3 == 0x9F
    os.close(master)
    os.close(slave)
