"""Benchmark: one device signature in the TPM (swtpm on loopback), against the file key's.

The uploader signs every request (RFC 9421) and the kiosk every record with the device key; in
a TPM that is a command round trip, not a few microseconds of CPU. This shows what one costs
(the digest, the TPM2_Sign, the r||s) next to an Ed25519 file key's, so that a signature per
request is seen not to dominate an upload. No goal: a real TPM chip is slower than swtpm,
which the table notes. `python tests/bench/bench_tpm.py [--runs 15] [--signatures 50]`;
skipped without swtpm.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hardware.tpm import open_key_store  # noqa: E402
from tests.bench.benchlib import Table  # noqa: E402
from tests.integration.swtpm_server import Swtpm, swtpm_binary  # noqa: E402


def _per_signature_ms(sign, message: bytes, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        sign(message)
    return (time.perf_counter() - start) / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--signatures", type=int, default=50, help="signatures per run")
    args = parser.parse_args()
    if swtpm_binary() is None:
        print("bench_tpm: skipped, swtpm is not installed (scripts/setup.sh)")
        return 0
    message = b"x" * 400  # about a request's RFC 9421 signature base
    with tempfile.TemporaryDirectory() as tmp:
        machine = Swtpm(Path(tmp) / "swtpm").start()
        try:
            tpm = open_key_store(machine.uri, Path(tmp) / "tpm-keys")
            files = open_key_store("file:", Path(tmp) / "file-keys")
            try:
                start = time.perf_counter()
                tpm_key = tpm.device_key(create=True)
                created_ms = (time.perf_counter() - start) * 1000
                file_key = files.device_key(create=True)
                tpm_runs = [_per_signature_ms(tpm_key.sign, message, args.signatures)
                            for _ in range(args.runs)]
                file_runs = [_per_signature_ms(file_key.sign, message, args.signatures)
                             for _ in range(args.runs)]
            finally:
                tpm.close()
        finally:
            machine.stop()
    table = Table(f"Device signatures: {args.runs} runs of {args.signatures} each")
    table.add("TPM P-256 signature (swtpm, loopback)", tpm_runs, " ms")
    table.add("file Ed25519 signature", file_runs, " ms")
    table.add("TPM key made and loaded (once)", [created_ms], " ms")
    table.note("a discrete TPM chip is much slower than swtpm (commonly tens of ms per ECDSA"
               " signature: measure on the target); one signature covers a request of up to"
               " 16 records of 20-40 KB")
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
