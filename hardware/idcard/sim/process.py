"""Start and stop the GA 467 pty simulator as a child process (kiosk --simulate, kioskctl,
tests, the benchmark): one place that knows how to read the device path it prints."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urlsplit

SAM_LATENCY_S = 0.8  # a real reader's SAM takes this long to answer a read


def sam_latency_of(uri: str) -> float:
    """The SAM latency a simulated reader's URI asks for, `sim://?sam_latency=S` (0-10 s;
    default a real SAM's 0.8 s: the memory bench's 200 sessions take 0), or ValueError."""
    values = parse_qs(urlsplit(uri).query, keep_blank_values=True).get(
        "sam_latency", [str(SAM_LATENCY_S)])
    try:
        latency = float(values[-1])
    except ValueError:
        latency = -1.0
    if not 0 <= latency <= 10:
        raise ValueError(f"devices.idcard: sam_latency must be 0 to 10 seconds, not {values[-1]!r}")
    return latency


class SimulatorProcess:
    """The running simulator; `uri` is what `open_idcard_reader` takes."""

    def __init__(self, sim_dir: Path, *, baud: int = 115200, sam_latency: float = SAM_LATENCY_S,
                 fault: str | None = None, fault_times: int = 0, slow_delay: float = 1.5,
                 card: Path | None = None, device: str | None = None,
                 stderr: IO | int | None = None, startup_timeout: float = 15.0) -> None:
        cmd = [sys.executable, "-m", "hardware.idcard.sim.ga467_sim", "--sim-dir", str(sim_dir),
               "--baud", str(baud), "--sam-latency", str(sam_latency),
               "--fault-times", str(fault_times), "--slow-delay", str(slow_delay),
               "--exit-with-parent"]
        if fault:
            cmd += ["--fault", fault]
        if card is not None:
            cmd += ["--card", str(card)]
        if device:
            cmd += ["--device", device]
        self.baud = baud
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr,
                                     stdin=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], startup_timeout)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line or not os.path.exists(line):
            self.stop()
            raise RuntimeError("GA 467 simulator did not start")
        self.device = line

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def uri(self) -> str:
        return f"ga467://{self.device}?baud={self.baud}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
