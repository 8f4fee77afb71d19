"""The upload freeze: the pure rule (kiosk/core/freeze.py), then the store's times feeding it
(kiosk/sync/status.py) and the kiosk's start check (kiosk/wiring.py refuse_start)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.central_config import CurrentBundle
from kiosk.config import Config, ConfigError, UploadConfig
from kiosk.core.freeze import frozen
from kiosk.core.notices import Notice
from kiosk.store import KioskStore
from kiosk.sync import status
from kiosk.wiring import refuse_start

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def ask(days: float = 3, upload: datetime | None = None, export: datetime | None = None,
        since: datetime = NOW - 30 * DAY, now: datetime = NOW) -> bool:
    return frozen(now=now, freeze_after_days=days, last_upload=upload, last_export=export,
                  counting_since=since)


def test_a_recent_upload_keeps_the_kiosk_open():
    assert not ask(upload=NOW - 2 * DAY)


def test_no_upload_for_the_limit_freezes():
    assert ask(upload=NOW - 3 * DAY)
    assert ask(upload=NOW - 10 * DAY)
    assert not ask(upload=NOW - 3 * DAY + timedelta(seconds=1))


def test_an_export_lifts_the_freeze_as_an_upload_does():
    assert not ask(upload=NOW - 10 * DAY, export=NOW - DAY)
    assert ask(upload=NOW - 10 * DAY, export=NOW - 4 * DAY)
    assert not ask(upload=None, export=NOW - DAY)


def test_a_machine_that_never_uploaded_counts_from_its_first_start():
    assert not ask(since=NOW - 2 * DAY)
    assert ask(since=NOW - 3 * DAY)


def test_zero_days_turns_the_freeze_off():
    assert not ask(days=0, upload=NOW - 400 * DAY)


def test_a_clock_set_back_does_not_freeze():
    assert not ask(upload=NOW + 5 * DAY)


def test_fractions_of_a_day():
    assert ask(days=0.5, upload=NOW - timedelta(hours=12))
    assert not ask(days=0.5, upload=NOW - timedelta(hours=11))


# -- the store --------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path):
    with KioskStore(tmp_path / "kiosk.sqlite") as s:
        yield s


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_new_machine_is_open_then_freezes_after_its_allowance(store):
    status.start_freeze_clock(store)
    assert not status.upload_frozen(store, 3)
    assert status.upload_frozen(store, 3, now=datetime.now(UTC) + 3 * DAY)


def test_the_first_start_is_kept_across_restarts(store):
    store.settings.set(status.FREEZE_SINCE_KEY, iso(datetime.now(UTC) - 5 * DAY))
    status.start_freeze_clock(store)  # a later start changes nothing
    assert status.upload_frozen(store, 3, now=datetime.now(UTC))


def test_a_successful_upload_recorded_by_the_uploader_lifts_it(store):
    store.settings.set(status.FREEZE_SINCE_KEY, iso(datetime.now(UTC) - 5 * DAY))
    status.record_problem(store, "unreachable", "connect timeout")
    assert status.upload_frozen(store, 3, now=datetime.now(UTC) + 3 * DAY)
    status.record_success(store)
    assert not status.upload_frozen(store, 3)
    status.record_problem(store, "unreachable", "connect timeout")  # keeps the last success
    assert not status.upload_frozen(store, 3)
    assert status.upload_frozen(store, 3, now=datetime.now(UTC) + 3 * DAY)


def test_an_export_lifts_it(store):
    store.settings.set(status.FREEZE_SINCE_KEY, iso(datetime.now(UTC) - 5 * DAY))
    assert status.upload_frozen(store, 3)
    status.record_export(store)
    assert not status.upload_frozen(store, 3)


def test_the_kiosk_refuses_a_start_with_the_freeze_notice(tmp_path, store):
    config = replace(Config(), data_dir=tmp_path)
    store.settings.set(status.FREEZE_SINCE_KEY, iso(datetime.now(UTC) - 5 * DAY))
    central = CurrentBundle(config)  # no signed bundle: nothing central refuses
    assert refuse_start(store, config, central) == Notice.UPLOAD_OVERDUE
    off = replace(config, upload=replace(config.upload, freeze_after_days=0))
    assert refuse_start(store, off, central) is None
    status.record_success(store)
    assert refuse_start(store, config, central) is None


def test_the_disk_guard_speaks_first(tmp_path):
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=10**18) as full:
        full.settings.set(status.FREEZE_SINCE_KEY, iso(datetime.now(UTC) - 5 * DAY))
        config = replace(Config(), data_dir=tmp_path)
        assert refuse_start(full, config, CurrentBundle(config)) == Notice.DISK_FULL


def test_a_negative_limit_is_a_config_error():
    with pytest.raises(ConfigError, match="freeze_after_days"):
        replace(Config(), upload=UploadConfig(freeze_after_days=-1)).validate()
