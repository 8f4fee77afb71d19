"""A province holding synthetic candidates and kiosks enrolled at its points, in this process:
for the candidate lookup and roster tests (the real processes are in tests/integration)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi.testclient import TestClient

from central_api_client.client import DeviceAuth, ProvincialApiClient
from central_api_client.contract import utc_timestamp
from central_api_client.enrolment import EnrolmentToken, EnrolRequest, public_pem, secret_sha256
from devtools.synthetic_candidates import SyntheticCandidate, generate
from provincial_api.app import create_app
from provincial_api.backend import open_candidates
from provincial_api.enrol_store import SqliteEnrolments
from provincial_api.enrolment import EnrolSettings, TokenRow
from provincial_api.ranges import CountyPools

RECEIPT = Ed25519PrivateKey.generate()


@dataclass
class Province:
    db: Path
    key: X25519PrivateKey  # opens lookups; kiosks seal to its public half
    http: TestClient

    def kiosk(self, county: str, point: str,
              device_key: Ed25519PrivateKey | None = None) -> ProvincialApiClient:
        """A kiosk enrolled with a token for (county, point), signing its requests."""
        token = EnrolmentToken.new(RECEIPT.public_key())
        now = datetime.now(UTC)
        SqliteEnrolments(self.db).issue(TokenRow(
            token.token_id, secret_sha256(token.secret), county, point, utc_timestamp(now),
            utc_timestamp(now + timedelta(hours=1))))
        device_key = device_key or Ed25519PrivateKey.generate()
        plain = ProvincialApiClient("http://testserver", http=self.http)
        answer = plain.enrol(EnrolRequest(token.text(), public_pem(device_key.public_key()),
                                          "file"))
        auth = DeviceAuth(answer.device_id, device_key, send_public_key=False)
        return ProvincialApiClient("http://testserver", auth=auth, http=self.http)

    def hold(self, people: list[SyntheticCandidate]) -> None:
        store = open_candidates(self.db)
        store.put_many([p.candidate for p in people], utc_timestamp(datetime.now(UTC)))


def province(tmp_path: Path, *, with_key: bool = True) -> Province:
    db = tmp_path / "server.sqlite"
    key = X25519PrivateKey.generate()
    app = create_app(db, receipt_key=RECEIPT, candidate_key=key if with_key else None,
                     enrol_settings=EnrolSettings(CountyPools(), key.public_key(),
                                                  allow_file_keys=True))
    return Province(db, key, TestClient(app))


def people(count: int, county: str, point: str, *, exam: str = "gaokao",
           start: int = 0) -> list[SyntheticCandidate]:
    return generate(count, county=county, point=point, exam=exam, start=start)
