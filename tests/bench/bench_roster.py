"""Benchmark: a point of 2,000 candidates: the roster's sync and a candidate's lookup.

The province is `provincial-api serve` on loopback holding the point's synthetic candidates
(imported by `provincial-api candidates import`); the kiosk is enrolled at that point with a
token. Sync: the signed, sealed `GET /v1/candidates/roster`, opened and stored sealed at rest
under the machine's key store (a software TPM when swtpm is installed, else the development
file keys), goal 10 s. Lookup: from the roster with the network gone, by a fresh store (the
roster key unsealed, the file decrypted and indexed: what the first candidate after a kiosk
start waits for) and by a warm one; and online through the API. Goal 50 ms.
`python tests/bench/bench_roster.py [--runs 7] [--candidates 2000]`
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey  # noqa: E402

from central_api_client.client import DeviceAuth, ProvincialApiClient  # noqa: E402
from central_api_client.contract import utc_timestamp  # noqa: E402
from central_api_client.enrolment import (  # noqa: E402
    EnrolmentToken,
    EnrolRequest,
    public_pem,
    secret_sha256,
)
from central_api_client.opening import load_private_pem  # noqa: E402
from devtools.synthetic_candidates import generate, write_csv  # noqa: E402
from hardware.tpm import open_key_store  # noqa: E402
from kiosk.candidate_lookup import ProvinceCandidates  # noqa: E402
from provincial_api.enrol_cli import DEV_SEAL_KEY_FILE  # noqa: E402
from provincial_api.enrol_store import SqliteEnrolments  # noqa: E402
from provincial_api.enrolment import TokenRow  # noqa: E402
from tests.bench.benchlib import Table, at_most  # noqa: E402
from tests.integration.processes import console_script, start_server  # noqa: E402
from tests.integration.swtpm_server import Swtpm, swtpm_binary  # noqa: E402

POINT = "示例报名点一"


def _enrol(server_url: str, db: Path) -> ProvincialApiClient:
    token = EnrolmentToken.new(Ed25519PrivateKey.generate().public_key())
    now = datetime.now(UTC)
    SqliteEnrolments(db).issue(TokenRow(token.token_id, secret_sha256(token.secret), "4301",
                                        POINT, utc_timestamp(now),
                                        utc_timestamp(now + timedelta(hours=1))))
    key = Ed25519PrivateKey.generate()
    with ProvincialApiClient(server_url) as plain:
        answer = plain.enrol(EnrolRequest(token.text(), public_pem(key.public_key()), "file"))
    return ProvincialApiClient(server_url, auth=DeviceAuth(answer.device_id, key,
                                                           send_public_key=False))


class _Offline(ProvincialApiClient):
    """The same device with its network cable pulled."""

    def __init__(self, auth: DeviceAuth) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("network down", request=request)

        super().__init__("http://127.0.0.1", auth=auth, http=httpx.Client(
            base_url="http://127.0.0.1", transport=httpx.MockTransport(refuse)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--lookups", type=int, default=50, help="warm lookups per run")
    args = parser.parse_args()
    import logging

    from kiosk.roster import RosterStore  # after sys.path

    logging.getLogger("kiosk").setLevel(logging.ERROR)  # the offline lookups' warnings

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        people = generate(args.candidates, county="4301", point=POINT)
        csv_path = tmp / "candidates.csv"
        with csv_path.open("w", encoding="utf-8", newline="") as out:
            write_csv([p.candidate for p in people], out)
        db = tmp / "province" / "api.sqlite"
        server = start_server(db, dev_enrol=False, extra=("--allow-file-keys",))
        tpm = Swtpm(tmp / "swtpm").start() if swtpm_binary() is not None else None
        try:
            done = subprocess.run([console_script("provincial-api"), "candidates", "import",
                                   str(csv_path), "--db", str(db)], capture_output=True,
                                  text=True, timeout=120, env=dict(os.environ))
            assert done.returncode == 0, done.stderr
            client = _enrol(server.url, db)
            province: X25519PublicKey = load_private_pem(
                db.parent / DEV_SEAL_KEY_FILE, object).public_key()
            keys = open_key_store(tpm.uri if tpm else "file:", tmp / "kiosk" / "keys")
            device_id = client.auth.device_id if client.auth else ""
            sync_s, cold_ms, warm_ms, api_ms, floor_ms = [], [], [], [], []
            try:
                for run in range(args.runs):
                    rosters = RosterStore(tmp / "kiosk", device_id, keys.secrets)
                    start = time.perf_counter()
                    roster = client.candidate_roster("gaokao")
                    now = datetime.now(UTC)
                    rosters.save(roster, now, now + timedelta(days=1))
                    sync_s.append(time.perf_counter() - start)
                    assert len(roster.candidates) == args.candidates

                    fresh = RosterStore(tmp / "kiosk", device_id, keys.secrets)
                    assert client.auth is not None
                    offline = ProvinceCandidates(_Offline(client.auth), lambda: province, fresh)
                    wanted = people[(run * 97) % len(people)].candidate.id_number
                    start = time.perf_counter()
                    found = offline.find("gaokao", wanted)
                    cold_ms.append((time.perf_counter() - start) * 1000)
                    assert found is not None and found.source == "roster"
                    start = time.perf_counter()
                    for i in range(args.lookups):
                        offline.find("gaokao", people[i * 7 % len(people)].candidate.id_number)
                    warm_ms.append((time.perf_counter() - start) * 1000 / args.lookups)

                    online = ProvinceCandidates(client, lambda: province, fresh)
                    each = []
                    for i in range(10):
                        start = time.perf_counter()
                        found = online.find("gaokao", people[i * 13].candidate.id_number)
                        each.append((time.perf_counter() - start) * 1000)
                        assert found is not None and found.source == "api"
                    api_ms.append(statistics.median(each))
                    each = []
                    for _ in range(10):
                        start = time.perf_counter()
                        client.health()
                        each.append((time.perf_counter() - start) * 1000)
                    floor_ms.append(statistics.median(each))
            finally:
                keys.close()
                client.close()
        finally:
            server.stop()
            if tpm is not None:
                tpm.stop()
    table = Table(f"Roster of {args.candidates} candidates: {args.runs} runs"
                  f" ({'swtpm' if tpm else 'file keys: swtpm not installed'})")
    table.add("sync: fetch, open, seal at rest", sync_s, " s", at_most(10.0))
    table.add("offline lookup, first after start", cold_ms, " ms", at_most(50.0))
    table.add("offline lookup, warm", warm_ms, " ms", at_most(50.0))
    table.add("online lookup via the API (median of 10)", api_ms, " ms")
    table.add("GET /v1/health, same client (floor)", floor_ms, " ms")
    table.note("online: no goal here; the kiosk waits for the API at most LOOKUP_TIMEOUT_S"
               " before asking the roster, which meets the goal. /v1/health on the same"
               " client is the floor of any request on this loopback")
    table.note("the first offline lookup unseals the roster key (a TPM command) and decrypts"
               " and indexes the whole roster; later ones are a dictionary read")
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
