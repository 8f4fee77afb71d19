"""`[staff]` and `devices.staffcard` in kiosk.toml, and which staff CA a kiosk trusts: the
applied signed bundle's when it carries one, else `[staff] ca`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from central_api_client.config_bundle import ConfigBundle, WorkflowSpec, bundle_to_bytes
from kiosk.central_config import CURRENT, central_dir, staff_ca_pem
from kiosk.config import ConfigError, parse_config
from kiosk.core.staff import StaffCardError
from kiosk.staff_signin import staff_settings

TOML_CA = "-----BEGIN CERTIFICATE-----\nTOML\n-----END CERTIFICATE-----\n"
BUNDLE_CA = "-----BEGIN CERTIFICATE-----\nQlVORExF\n-----END CERTIFICATE-----\n"


def _config(tmp_path: Path, staff: str = ""):
    (tmp_path / "ca.pem").write_text(TOML_CA, encoding="ascii")
    return parse_config(f'data_dir = "{tmp_path / "data"}"\n[devices]\nstaffcard = "pcsc://"\n'
                        f'[staff]\nca = "{tmp_path / "ca.pem"}"\n{staff}')


def test_staff_settings_are_read_with_their_lockout_and_session_limits(tmp_path: Path) -> None:
    settings = staff_settings(_config(tmp_path, 'county = "430102"\nlockout_free_tries = 3\n'
                                                "idle_s = 120\n"))
    assert settings.ca_pem == TOML_CA.encode()
    assert settings.county == "430102"
    assert (settings.policy.free_tries, settings.policy.base_s) == (3, 15)
    assert (settings.limits.idle_s, settings.limits.max_s) == (120, 12 * 3600)


def test_without_a_county_cards_of_the_machines_city_are_admitted(tmp_path: Path) -> None:
    assert staff_settings(_config(tmp_path)).county == "4301"


@pytest.mark.parametrize("bad", ['county = "4301"', "idle_s = 0", "lockout_free_tries = 0",
                                 "max_session_s = 60"])
def test_nonsense_staff_settings_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="staff"):
        _config(tmp_path, bad + "\n").validate()


def test_a_staff_card_reader_must_be_pcsc(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="devices.staffcard"):
        parse_config('[devices]\nstaffcard = "sim://"\n').validate()


def test_the_applied_bundles_staff_ca_wins_over_kiosk_toml(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert staff_ca_pem(config) is None
    bundle = ConfigBundle(version=3, expires=datetime.now(UTC) + timedelta(days=3),
                          workflows={"collect": WorkflowSpec(steps=("collect",))},
                          staff_ca=BUNDLE_CA)
    central_dir(config).mkdir(parents=True)
    (central_dir(config) / CURRENT).write_bytes(bundle_to_bytes(bundle))
    assert staff_settings(config).ca_pem == BUNDLE_CA.encode()


def test_an_unreadable_staff_ca_file_does_not_stop_the_kiosk_its_cards_are_untrusted(
        tmp_path: Path) -> None:
    """`[staff] ca` naming a file that is not there: the kiosk still starts (wiring builds the
    reader and the sign-in), and a staff card then gets `untrusted_card`, as with no CA."""
    from hardware.staffcard.pcsc import PcscStaffCardReader
    from kiosk.wiring import open_staff_card_reader, staff_sign_in

    config = _config(tmp_path, 'county = "430102"\n')
    (tmp_path / "ca.pem").unlink()  # the file [staff] ca names is gone
    reader = open_staff_card_reader(config)
    assert isinstance(reader, PcscStaffCardReader)
    assert callable(staff_sign_in(config, None))  # type: ignore[arg-type]
    with pytest.raises(StaffCardError) as refused:
        reader._staff_ca()
    assert refused.value.code == "untrusted_card"
