"""Fetching this point's roster ahead, for when the network is down: by the uploader's timer
and by `kioskctl candidates sync`.

Which rosters: those of the machine's workflows (the central bundle's, else kiosk.toml's) that
look candidates up (`confirm`: the gaokao's, `adult-confirm`: the adult exam's). Each is fetched
signed and sealed (`ProvincialApiClient.candidate_roster`), stored sealed to this machine
(`kiosk.roster`) with its purge time from the workflow's windows (`kiosk.core.roster_window`;
none without a bundle: `MAX_ROSTER_AGE`), and stored rosters past their purge time are deleted
on every round, whether or not the network is up.
"""

from __future__ import annotations

import atexit
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from central_api_client.client import ProvincialApiClient
from central_api_client.logs import LogEvent, event
from hardware.tpm import KeyStore, SealedSecrets, TpmError
from kiosk.central_config import current_bundle, machine_workflows, start_rules
from kiosk.config import Config
from kiosk.core.candidates import Exam
from kiosk.core.roster_window import WORKFLOW_EXAM, purge_at
from kiosk.roster import RosterStatus, RosterStore
from kiosk.seal import SealError, open_machine_keys

log = logging.getLogger("kiosk.uploader")

RETRY_AFTER_FAILURE_S = 300.0


def exams_of(config: Config) -> dict[Exam, str]:
    """exam -> workflow, for the machine's workflows that look candidates up: the ones the
    kiosk runs (`central_config.machine_workflows`: the signed bundle's, else kiosk.toml's)."""
    names = machine_workflows(config, current_bundle(config))
    return {exam: wf for wf, exam in WORKFLOW_EXAM.items() if wf in names}


def sync_roster(client: ProvincialApiClient, rosters: RosterStore, config: Config,
                exam: Exam, workflow: str, now: datetime | None = None) -> RosterStatus:
    """Fetch and store one exam's roster; its status. Raises what the client raises."""
    now = now or datetime.now(UTC)
    roster = client.candidate_roster(exam)
    windows = start_rules(current_bundle(config)).windows.get(workflow, ())
    status = rosters.save(roster, now, purge_at(windows, now))
    event(log, LogEvent.CANDIDATE_ROSTER_SYNCED, exam=exam, count=status.count,
          purge_at=status.purge_at.isoformat())
    return status


class MachineSecrets:
    """The machine's sealed secrets (`devices.tpm`), its key store opened on first use and
    kept for the process's life (as the device key's is): a program that never needs the
    roster key never touches the TPM for it, and one that cannot open it fails at that use,
    where it is logged, not at start."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._store: KeyStore | None = None

    def _secrets(self) -> SealedSecrets:
        if self._store is None:
            try:
                self._store = open_machine_keys(self.config.keys_dir, self.config.devices.tpm)
            except SealError as exc:
                raise TpmError("tpm_unavailable", str(exc)) from None
            atexit.register(self._store.close)
        return self._store.secrets

    def exists(self, name: str) -> bool:
        return self._secrets().exists(name)

    def seal(self, name: str, secret: bytes) -> None:
        self._secrets().seal(name, secret)

    def unseal(self, name: str) -> bytes:
        return self._secrets().unseal(name)


def machine_rosters(config: Config) -> RosterStore:
    """This machine's rosters, their key sealed in its key store."""
    return RosterStore(config.data_dir, config.device.id, MachineSecrets(config))


class RosterSync:
    """The uploader's round: purge what is due, then fetch the rosters when due."""

    def __init__(self, client: ProvincialApiClient, rosters: RosterStore, config: Config,
                 every_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.rosters = rosters
        self.config = config
        self.every_s = every_s
        self._clock = clock
        self._next = clock()

    def sync_if_due(self) -> None:
        """Never raises: a failure is logged and the fetch tried again later."""
        try:
            self.rosters.purge_expired(datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 - tried again next round
            event(log, LogEvent.CANDIDATE_ROSTER_SYNC_FAILED, level=logging.WARNING,
                  error=type(exc).__name__)
        now = self._clock()
        if now < self._next:
            return
        self._next = now + self.every_s
        for exam, workflow in exams_of(self.config).items():
            try:
                sync_roster(self.client, self.rosters, self.config, exam, workflow)
            except Exception as exc:  # noqa: BLE001 - never stops an upload
                self._next = now + min(self.every_s, RETRY_AFTER_FAILURE_S)
                event(log, LogEvent.CANDIDATE_ROSTER_SYNC_FAILED, level=logging.WARNING,
                      exam=exam, error=getattr(exc, "code", type(exc).__name__))


def roster_sync_for(client: ProvincialApiClient, config: Config) -> RosterSync | None:
    """The uploader's roster sync, or None when `upload.roster_sync_s` is 0."""
    every = config.upload.roster_sync_s
    if every <= 0:
        return None
    return RosterSync(client, machine_rosters(config), config, every)
