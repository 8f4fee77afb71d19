"""The uploader's roster round (`kiosk.sync.roster.RosterSync`): it fetches the roster of each
workflow of the central bundle that looks candidates up, stores it with the purge time of that
workflow's window, and purges it once that time has passed, network or not."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from central_api_client.config_bundle import FORMAT
from kiosk.central_config import CURRENT, central_dir
from kiosk.config import parse_config
from kiosk.core.roster_window import window_end
from kiosk.core.schedule import Window
from kiosk.sync.roster import RosterSync, machine_rosters
from tests.candidate_helpers import people, province

POINT = "示例报名点一"


def _config(tmp_path, device_id: str, workflows: dict):
    config = parse_config(f'data_dir = "{tmp_path / "data"}"\n[device]\nid = "{device_id}"\n')
    folder = central_dir(config)
    folder.mkdir(parents=True)
    bundle = {"format": FORMAT, "version": 1, "expires": "2099-01-01T00:00:00Z",
              "workflows": {"collect": {"steps": ["card", "done"], "windows": []},
                            **workflows}}
    (folder / CURRENT).write_text(json.dumps(bundle), encoding="utf-8")
    return config


def test_the_round_fetches_the_confirm_roster_and_keeps_it_until_its_window_closes(tmp_path):
    prov = province(tmp_path / "province")
    prov.hold(people(6, "4301", POINT) + people(2, "4301", POINT, exam="adult", start=50))
    kiosk = prov.kiosk("4301", POINT)
    last_day = date.today() + timedelta(days=3)
    config = _config(tmp_path, kiosk.auth.device_id, {"confirm": {
        "steps": ["card", "done"],
        "windows": [{"from": date.today().isoformat(), "to": last_day.isoformat(),
                     "hours": ["08:00-12:00", "15:00-18:00"], "audience": []}]}})
    ticks = iter([0.0, 0.0, 10.0])
    sync = RosterSync(kiosk, machine_rosters(config), config, 3600, clock=lambda: next(ticks))
    sync.sync_if_due()

    rosters = machine_rosters(config)
    assert rosters.exams() == ["gaokao"]  # the bundle runs `confirm` only
    status = rosters.status("gaokao")
    assert status is not None and status.count == 6
    window = Window(date.today(), last_day, ((time(8), time(12)), (time(15), time(18))))
    assert status.purge_at == window_end(window)

    # Later, the window over: the next round purges it whatever the network does.
    rosters.save(kiosk.candidate_roster("gaokao"), datetime.now(UTC) - timedelta(days=2),
                 datetime.now(UTC) - timedelta(seconds=1))
    sync.sync_if_due()  # not due to fetch again (10 s later), but purging is every round
    assert rosters.exams() == []


def test_without_a_bundle_the_round_fetches_the_rosters_of_kiosk_toml_s_workflows(tmp_path):
    """A machine that runs `confirm` by kiosk.toml's `[session] workflows` (no signed bundle
    yet) looks candidates up (wiring's `candidate_lookup`); its roster must be fetched too,
    or the offline fallback has nothing to answer with."""
    prov = province(tmp_path / "province")
    prov.hold(people(3, "4301", POINT))
    kiosk = prov.kiosk("4301", POINT)
    config = parse_config(f'data_dir = "{tmp_path / "data"}"\n[device]\n'
                          f'id = "{kiosk.auth.device_id}"\n[session]\n'
                          f'workflows = ["collect", "confirm"]\n')
    RosterSync(kiosk, machine_rosters(config), config, 3600).sync_if_due()
    rosters = machine_rosters(config)
    assert rosters.exams() == ["gaokao"]
    status = rosters.status("gaokao")
    assert status is not None and status.count == 3
