"""Run every benchmark in this folder, one after another (`make bench`); exit 1 when any missed
a goal (each prints its own table), after all have run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
missed = []
for script in sorted(here.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
        missed.append(script.name)
print(f"== missed a goal: {', '.join(missed)}" if missed else "== every goal met")
sys.exit(1 if missed else 0)
