"""The kiosk's side of candidates' data: the lookup that falls back from the API to the roster,
the roster sealed to this machine (another machine's key store cannot open it), and its purge
when the workflow's window closes."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central_api_client.client import DeviceAuth, ProvincialApiClient
from central_api_client.config_bundle import ConfigBundle, KeyPair, WorkflowSpec, bundle_to_bytes
from hardware.tpm.filekeys import FileSecrets
from kiosk.candidate_lookup import ProvinceCandidates, candidate_lookup_for
from kiosk.central_config import CURRENT, central_dir
from kiosk.config import parse_config
from kiosk.core.errors import CandidateDataError
from kiosk.core.roster_window import MAX_ROSTER_AGE, purge_at, window_end
from kiosk.core.schedule import Window
from kiosk.core.step_base import CHINA_TZ
from kiosk.roster import RosterStore
from kiosk.seal import PROVINCE_PUBLIC_KEY_FILE
from tests.candidate_helpers import people, province

POINT = "示例报名点一"
NOW = datetime(2026, 9, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(tmp_path):
    prov = province(tmp_path / "province")
    here = people(4, "4301", POINT)
    prov.hold(here)
    kiosk = prov.kiosk("4301", POINT)
    rosters = RosterStore(tmp_path / "data", kiosk.auth.device_id, FileSecrets(tmp_path / "keys"))
    rosters.save(kiosk.candidate_roster("gaokao"), NOW, NOW + timedelta(days=1))
    return prov, kiosk, rosters, here


def _pem(key: X25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def _offline(kiosk: ProvincialApiClient) -> ProvincialApiClient:
    """The same device with the network gone: every request fails to connect."""
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    assert isinstance(kiosk.auth, DeviceAuth)
    return ProvincialApiClient("http://testserver", auth=kiosk.auth, http=httpx.Client(
        base_url="http://testserver", transport=httpx.MockTransport(refuse)))


def test_online_the_api_answers_and_says_so(world):
    prov, kiosk, rosters, here = world
    lookup = ProvinceCandidates(kiosk, prov.key.public_key, rosters, clock=lambda: NOW)
    found = lookup.find("gaokao", here[0].candidate.id_number)
    assert found is not None and found.source == "api"
    assert found.fields == here[0].candidate.fields
    assert found.first_sequence_number == here[0].candidate.first_sequence_number


def test_offline_the_roster_answers_and_says_so(world):
    prov, kiosk, rosters, here = world
    lookup = ProvinceCandidates(_offline(kiosk), prov.key.public_key, rosters,
                                clock=lambda: NOW)
    found = lookup.find("gaokao", here[2].candidate.id_number)
    assert found is not None and found.source == "roster"
    assert found.fields == here[2].candidate.fields
    other = people(1, "4301", POINT, start=900)[0].candidate.id_number
    assert lookup.find("gaokao", other) is None


def test_the_roster_is_not_in_clear_on_disk(world):
    _, _, rosters, here = world
    raw = rosters.path("gaokao").read_bytes()
    assert here[0].candidate.id_number.encode() not in raw
    assert here[0].candidate.fields["school"].encode("utf-8") not in raw
    assert oct(rosters.path("gaokao").stat().st_mode & 0o777) == "0o600"


def test_a_roster_copied_to_another_machine_does_not_open_there(world, tmp_path):
    prov, kiosk, rosters, here = world
    other_data = tmp_path / "other-data"
    shutil.copytree(tmp_path / "data", other_data)
    elsewhere = RosterStore(other_data, kiosk.auth.device_id, FileSecrets(tmp_path / "other-keys"))
    elsewhere._secrets.seal("candidate_roster_key", b"k" * 32)  # that machine's own key
    lookup = ProvinceCandidates(_offline(kiosk), prov.key.public_key, elsewhere,
                                clock=lambda: NOW)
    with pytest.raises(CandidateDataError) as refused:
        lookup.find("gaokao", here[0].candidate.id_number)
    assert refused.value.code == "candidate_data_unavailable"
    assert here[0].candidate.id_number not in str(refused.value)


def test_the_roster_is_purged_when_its_time_comes(world):
    prov, kiosk, rosters, here = world
    lookup = ProvinceCandidates(_offline(kiosk), prov.key.public_key, rosters,
                                clock=lambda: NOW + timedelta(days=1))
    assert lookup.find("gaokao", here[0].candidate.id_number) is None
    assert not rosters.path("gaokao").exists()
    assert rosters.status("gaokao") is None


def test_the_status_says_count_and_times_and_nothing_personal(world):
    _, _, rosters, here = world
    status = rosters.status("gaokao")
    assert status is not None and status.count == 4
    assert (status.synced_at, status.purge_at) == (NOW, NOW + timedelta(days=1))
    assert "4 candidate(s)" in status.line()
    assert here[0].candidate.id_number not in status.line()


WINDOW = Window(date(2026, 9, 2), date(2026, 9, 11),
                ((time(8), time(12)), (time(15), time(18))))


def test_a_roster_is_kept_until_its_windows_last_hour_closes():
    synced = datetime(2026, 9, 3, 2, 0, tzinfo=UTC)
    assert window_end(WINDOW) == datetime(2026, 9, 11, 18, 0, tzinfo=CHINA_TZ)
    assert purge_at([WINDOW], synced) == min(window_end(WINDOW), synced + MAX_ROSTER_AGE)
    late = datetime(2026, 9, 10, 2, 0, tzinfo=UTC)
    assert purge_at([WINDOW], late) == datetime(2026, 9, 11, 18, 0, tzinfo=CHINA_TZ)


def test_nothing_is_kept_once_every_window_closed_and_no_window_means_a_week():
    after = datetime(2026, 9, 12, tzinfo=UTC)
    assert purge_at([WINDOW], after) == after
    assert purge_at([], after) == after + MAX_ROSTER_AGE


def test_a_lookup_is_sealed_to_the_sealing_key_of_the_signed_bundle_as_records_are(world,
                                                                                    tmp_path):
    """After a key rotation the bundle names the province's key in force and the keys folder
    still holds the one enrolment installed: the machine's own lookup (`candidate_lookup_for`)
    must seal to the bundle's, as the records' sealer does, or the province cannot open it."""
    prov, kiosk, _, here = world
    config = parse_config(f'data_dir = "{tmp_path / "machine"}"\n[api]\nbase_url = ""\n')
    config.keys_dir.mkdir(parents=True)
    stale = X25519PrivateKey.generate()  # the key before the rotation
    (config.keys_dir / PROVINCE_PUBLIC_KEY_FILE).write_text(_pem(stale))
    central_dir(config).mkdir(parents=True)
    (central_dir(config) / CURRENT).write_bytes(bundle_to_bytes(ConfigBundle(
        2, datetime(2099, 1, 1, tzinfo=UTC),
        {"confirm": WorkflowSpec(("card", "identity", "candidate", "proof", "sign", "done"))},
        sealing_key=KeyPair(_pem(prov.key)))))
    lookup = candidate_lookup_for(config)
    lookup.client = kiosk  # the enrolled device's signed client, against the province
    found = lookup.find("gaokao", here[1].candidate.id_number)
    assert found is not None and found.source == "api"
