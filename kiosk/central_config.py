"""The central configuration as the kiosk applies it: the current bundle merged over kiosk.toml.

The updater (kiosk.sync.config_updater) writes `DATA_DIR/central/current.json` only after TUF
and `applicable` accepted it; the kiosk reads it at start and again between candidates
(`CurrentBundle.refresh` is cheap: a stat), so a new bundle never changes a session under way.
What the bundle does not set stays as kiosk.toml (or the built-in defaults) says. The start gate
(`start_refusal`) is kiosk.core.schedule's rules, asked before each candidate with the shell's
other reasons (the disk guard).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from central_api_client.config_bundle import BundleError, ConfigBundle, Text, parse_bundle
from kiosk.config import Config, PhotoConfig
from kiosk.core import schedule
from kiosk.core.photo_standard import with_figures
from kiosk.core.workflows import Workflow, WorkflowError, get_workflow
from kiosk.province_keys import check_bundle_keys

log = logging.getLogger("kiosk.config")
CURRENT = "current.json"


def central_dir(config: Config) -> Path:
    return config.data_dir / "central"


def current_bundle(config: Config) -> ConfigBundle | None:
    """The bundle in force, None when none was ever applied (or the file is unreadable: it
    was checked before it was written, so that means someone else wrote it)."""
    try:
        return parse_bundle((central_dir(config) / CURRENT).read_bytes())
    except (OSError, BundleError):
        return None


def applicable(bundle: ConfigBundle) -> ConfigBundle:
    """The bundle, if this kiosk can apply it whole: its workflows' steps exist here, its
    photo figures describe a photo and its province keys are keys of the right kind; else
    BundleError. The publisher applies the same check."""
    for name, spec in bundle.workflows.items():
        try:
            Workflow(name, spec.steps)
        except WorkflowError as exc:
            raise BundleError(f"workflows.{name}: {exc}") from None
    try:
        with_figures(PhotoConfig(), bundle.photo)
    except ValueError as exc:
        raise BundleError(str(exc)) from None
    check_bundle_keys(bundle)
    return bundle


def staff_ca_pem(config: Config) -> bytes | None:
    """The staff CA (PEM) of the bundle in force, None when it carries none: staff cards are
    checked against it (a machine's own `[staff] ca` file is the fallback, read by the card
    code). Read at each call, so a new CA applies at the next staff sign-in."""
    bundle = current_bundle(config)
    if bundle is None or not bundle.staff_ca:
        return None
    return bundle.staff_ca.encode("ascii")


def apply_bundle(config: Config, bundle: ConfigBundle | None) -> Config:
    """kiosk.toml's config with the bundle's photo standard and retention over it."""
    if bundle is None:
        return config
    photo = with_figures(config.photo, bundle.photo)
    assert isinstance(photo, PhotoConfig)
    return replace(config, photo=photo,
                   storage=replace(config.storage, retention_days=bundle.retention_days),
                   source=f"{config.source} + central bundle v{bundle.version}")


def workflow_of(config: Config, bundle: ConfigBundle | None, name: str | None = None) -> Workflow:
    """A workflow of the machine (`[session] workflow` unless named): the bundle's steps when
    it names it, else the built-in one."""
    name = name or config.session.workflow
    if bundle is not None and name in bundle.workflows:
        return Workflow(name, bundle.workflows[name].steps)
    return get_workflow(name)


def machine_workflows(config: Config, bundle: ConfigBundle | None = None) -> tuple[str, ...]:
    """The workflows this machine runs, in the attract screen's order: the signed bundle's
    (the province decides, and its windows say when each is open; the rosters follow the
    same list), else kiosk.toml's `[session] workflows`, else `[session] workflow`."""
    if bundle is not None:
        return tuple(bundle.workflows)
    return config.session.workflows or (config.session.workflow,)


def start_rules(bundle: ConfigBundle | None) -> schedule.StartRules:
    if bundle is None:
        return schedule.StartRules()

    def message(t: Text) -> schedule.Message:
        return schedule.Message(t.zh, t.en)

    return schedule.StartRules(
        windows={name: tuple(schedule.Window(w.first_day, w.last_day, w.hours, w.audience)
                             for w in spec.windows)
                 for name, spec in bundle.workflows.items()},
        province_pause=message(bundle.pause.province) if bundle.pause.province else None,
        area_pauses={area: message(t) for area, t in bundle.pause.areas.items()},
        expires=bundle.expires,
        freeze_after_days=bundle.freeze.freeze_after_days,
        on_expired=bundle.freeze.on_expired,
    )


class CurrentBundle:
    """The bundle in force for one running kiosk, re-read when the updater replaced it."""

    def __init__(self, config: Config) -> None:
        self.base = config
        self._path = central_dir(config) / CURRENT
        self._seen: tuple[int, int] | None = None
        self.bundle: ConfigBundle | None = None
        self.config = config
        self.rules = schedule.StartRules()
        self.refresh()

    def refresh(self) -> bool:
        """Re-read the bundle if its file changed; True when what is in force changed."""
        try:
            st = self._path.stat()
            seen: tuple[int, int] | None = (st.st_mtime_ns, st.st_ino)
        except OSError:
            seen = None
        if seen == self._seen:
            return False
        self._seen = seen
        bundle = current_bundle(self.base)
        try:
            merged = apply_bundle(self.base, bundle)
        except ValueError as exc:  # a figure kiosk.toml's own photo settings cannot take
            log.warning("central bundle not applied: %s", exc)
            return False
        self.bundle, self.config, self.rules = bundle, merged, start_rules(bundle)
        return True

    def refusal(self, now: datetime | None = None) -> schedule.Refusal | None:
        """Why no new session may start now (between candidates: the bundle is re-read)."""
        self.refresh()
        return schedule.machine_refusal(self.rules, machine_workflows(self.base, self.bundle),
                                        self.base.device.county_code, now or datetime.now(UTC))

    def open_workflows(self, now: datetime | None = None) -> tuple[str, ...]:
        """The machine's workflows open now, by the bundle read at the last gate."""
        return schedule.open_workflows(self.rules, machine_workflows(self.base, self.bundle),
                                       now or datetime.now(UTC))

    def admits(self, workflow: str, address_code: str, now: datetime) -> bool:
        """Whether the card's address code is in the audience of a window of `workflow` open
        now, by the bundle read at the last gate (the card step asks it; the bundle is not
        re-read mid-session)."""
        return schedule.in_audience(self.rules, workflow, address_code, now)


def live_bundle(config: Config) -> Callable[[], ConfigBundle | None]:
    """The bundle in force at each call, re-read when the updater replaced it: for a process
    with no candidates to wait for (the uploader's receipt keys, `kiosk.province_keys`)."""
    current = CurrentBundle(config)

    def now() -> ConfigBundle | None:
        current.refresh()
        return current.bundle

    return now
