"""The kiosk's `CandidateLookup`: the provincial API first, with a short timeout, else this
point's roster synced ahead, else nobody (the journey asks the candidate to see staff).

The API's answer is authoritative when it comes: a candidate it does not know is not looked for
in an older roster. Only when it cannot be reached in time, or answers with a server error, is
the roster asked; `OnlineRegistration.source` says which answered. Nothing personal is logged:
the event says which source answered and whether a candidate was found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from central_api_client.api_errors import ApiError
from central_api_client.candidates import Candidate
from central_api_client.logs import LogEvent, event
from kiosk.config import Config
from kiosk.core.candidates import CandidateLookup, Exam, OnlineRegistration, Source
from kiosk.core.errors import CandidateDataError
from kiosk.province_keys import ProvinceKeys
from kiosk.roster import RosterError, RosterStore

if TYPE_CHECKING:  # httpx holds ~12 MB: loaded with the client, at the first lookup
    from central_api_client.client import ProvincialApiClient

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_S = 2.0  # a candidate waits at the screen; the roster answers in milliseconds


def registration_of(candidate: Candidate, source: Source) -> OnlineRegistration:
    """The contract's candidate as core's journeys see it."""
    exam: Exam = "adult" if candidate.exam == "adult" else "gaokao"
    return OnlineRegistration(exam=exam, id_number=candidate.id_number,
                              fields=dict(candidate.fields), point_code=candidate.point,
                              first_sequence_number=candidate.first_sequence_number,
                              minor=candidate.minor, medical_track=candidate.medical_track,
                              source=source)


class ProvinceCandidates:
    """API, then roster, then None (see the module's docstring). `client` None: no API is
    configured (an offline demo), so the roster alone answers."""

    def __init__(self, client: ProvincialApiClient | None,
                 province_key: Callable[[], X25519PublicKey], roster: RosterStore, *,
                 timeout: float = LOOKUP_TIMEOUT_S,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.client = client
        self.province_key = province_key
        self.roster = roster
        self.timeout = timeout
        self.clock = clock

    def find(self, exam: Exam, id_number: str) -> OnlineRegistration | None:
        if self.client is not None:
            try:
                found = self.client.lookup_candidate(self.province_key(), exam, id_number,
                                                     timeout=self.timeout)
            except ApiError as exc:
                # Unreachable, slow, a server error, or this device refused (staff see that
                # through the uploader's own alerts): the roster is still better than nothing.
                event(log, LogEvent.CANDIDATE_API_UNAVAILABLE, level=logging.WARNING,
                      error=getattr(exc, "code", type(exc).__name__))
            else:
                event(log, LogEvent.CANDIDATE_LOOKUP, exam=exam, source="api",
                      found=found is not None)
                return None if found is None else registration_of(found, "api")
        try:
            found = self.roster.find(exam, id_number, self.clock())
        except RosterError as exc:
            raise CandidateDataError(str(exc)) from None
        event(log, LogEvent.CANDIDATE_LOOKUP, exam=exam,
              source="roster" if found is not None else "none", found=found is not None)
        return None if found is None else registration_of(found, "roster")


def candidate_lookup_for(config: Config) -> ProvinceCandidates:
    """This machine's lookup: its signed API client (none without an API base URL), the
    province's sealing key in force (the signed bundle's, else the keys folder's: the one
    records are sealed to), its rosters. SealError when a key is missing."""
    from kiosk.central_config import live_bundle
    from kiosk.sync.roster import machine_rosters
    from kiosk.sync.uploader import make_client

    keys = ProvinceKeys(config, live_bundle(config))
    keys.sealing_key()  # a machine without any province key fails here, not mid-lookup
    client = make_client(config) if config.api.base_url else None
    return ProvinceCandidates(client, keys.sealing_key, machine_rosters(config))


class CandidateLookupOnFirstUse:
    """The kiosk's lookup (`candidate_lookup_for`), made at the first lookup, not at start: a
    signed bundle may add `confirm` while the kiosk runs (from the next candidate), and a
    machine that never looks anyone up never opens the API client for it."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._lookup: CandidateLookup | None = None

    def find(self, exam: Exam, id_number: str) -> OnlineRegistration | None:
        if self._lookup is None:
            self._lookup = candidate_lookup_for(self._config)
        return self._lookup.find(exam, id_number)
