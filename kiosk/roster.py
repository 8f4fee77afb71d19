"""A point's roster on the kiosk: kept sealed at rest to this machine, purged when its window
closes.

The roster (`central_api_client.candidates.Roster`) is what `confirm` and `adult-confirm` fall
back on when the provincial API does not answer. It is personal data of a whole point, so it is
written only encrypted (AES-256-GCM) under a key that is itself a sealed secret of the machine's
key store (`hardware.tpm`: the TPM on a kiosk, so a copied data dir, or the roster file carried
to another machine, opens nowhere else; development files only under `--simulate`). The file's
clear header says only when it was synced, how many candidates it holds and when it will be
purged, for `kioskctl candidates status`; it is authenticated with the ciphertext.

Opened once per process and file version, then looked up from memory: a lookup must take
milliseconds at the kiosk, and the TPM's unseal takes longer than that.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from central_api_client.candidates import (
    Candidate,
    CandidateFormatError,
    Roster,
    parse_candidate,
)
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from hardware.tpm import SealedSecrets, TpmError

log = logging.getLogger(__name__)

ROSTER_KEY_SECRET = "candidate_roster_key"
ROSTER_DIR = "roster"
MAGIC = b"KIOSK-ROSTER-1\n"


class RosterError(Exception):
    """A stored roster that cannot be opened here (another machine's, damaged), or no key."""


@dataclass(frozen=True)
class RosterStatus:
    """What a technician may see of a stored roster: nothing personal."""

    exam: str
    point: str
    count: int
    synced_at: datetime
    purge_at: datetime

    def line(self) -> str:
        return (f"{self.exam}: {self.count} candidate(s) of {self.point or '(no point)'},"
                f" synced {self.synced_at.isoformat(timespec='seconds')},"
                f" purged {self.purge_at.isoformat(timespec='seconds')}")


class RosterStore:
    """The rosters of this machine, one file per exam under `data_dir/roster/`."""

    def __init__(self, data_dir: Path, device_id: str, secrets: SealedSecrets) -> None:
        self.folder = data_dir / ROSTER_DIR
        self.device_id = device_id
        self._secrets = secrets
        self._key: bytes | None = None
        self._cache: dict[str, tuple[tuple[int, int], dict[str, dict[str, object]]]] = {}
        self._lock = threading.Lock()

    def path(self, exam: str) -> Path:
        return self.folder / f"{exam}.sealed"

    # -- the key -----------------------------------------------------------------------------

    def _aead(self, *, create: bool) -> AESGCM:
        if self._key is None:
            try:
                if create and not self._secrets.exists(ROSTER_KEY_SECRET):
                    self._secrets.seal(ROSTER_KEY_SECRET, AESGCM.generate_key(bit_length=256))
                self._key = self._secrets.unseal(ROSTER_KEY_SECRET)
            except TpmError as exc:
                raise RosterError(f"the roster key does not open here ({exc.code})") from None
        return AESGCM(self._key)

    def _aad(self, header: bytes) -> bytes:
        return MAGIC + header + b"\x00" + self.device_id.encode("utf-8")

    # -- writing -----------------------------------------------------------------------------

    def save(self, roster: Roster, synced_at: datetime, purge_at: datetime) -> RosterStatus:
        """Replace the exam's roster with `roster`, sealed; its status."""
        status = RosterStatus(roster.exam, roster.point, len(roster.candidates), synced_at,
                              purge_at)
        header = json.dumps({"exam": roster.exam, "point": roster.point, "count": status.count,
                             "synced_at": synced_at.isoformat(),
                             "purge_at": purge_at.isoformat()},
                            ensure_ascii=True, sort_keys=True).encode("ascii")
        nonce = os.urandom(12)
        sealed = self._aead(create=True).encrypt(nonce, roster.to_bytes(), self._aad(header))
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(self.path(roster.exam), MAGIC + header + b"\n" + nonce + sealed,
                     mode=0o600)
        return status

    def purge(self, exam: str) -> bool:
        try:
            self.path(exam).unlink()
        except FileNotFoundError:
            return False
        with self._lock:
            self._cache.pop(exam, None)
        return True

    def purge_expired(self, now: datetime) -> list[str]:
        """Delete every roster whose purge time has come (or whose header is unreadable);
        the exams purged."""
        purged = []
        for exam in self.exams():
            try:
                status = self.status(exam)
            except RosterError:
                status = None
            if (status is None or status.purge_at <= now) and self.purge(exam):
                purged.append(exam)
                event(log, LogEvent.CANDIDATE_ROSTER_PURGED, exam=exam)
        return purged

    # -- reading -----------------------------------------------------------------------------

    def exams(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.sealed"))

    def _read(self, exam: str) -> tuple[bytes, bytes] | None:
        try:
            raw = self.path(exam).read_bytes()
        except FileNotFoundError:
            return None
        if not raw.startswith(MAGIC) or b"\n" not in raw[len(MAGIC):]:
            raise RosterError(f"{self.path(exam).name} is not a roster file")
        header, _, rest = raw[len(MAGIC):].partition(b"\n")
        return header, rest

    def _header(self, exam: str) -> bytes | None:
        """The clear header line alone (a lookup must not read the whole file for it)."""
        try:
            with self.path(exam).open("rb") as f:
                head = f.read(len(MAGIC))
                line = f.readline(4096)
        except FileNotFoundError:
            return None
        if head != MAGIC or not line.endswith(b"\n"):
            raise RosterError(f"{self.path(exam).name} is not a roster file")
        return line[:-1]

    def status(self, exam: str) -> RosterStatus | None:
        """The clear header of the exam's roster, or None when there is none."""
        header = self._header(exam)
        if header is None:
            return None
        try:
            head = json.loads(header)
            return RosterStatus(head["exam"], head["point"], int(head["count"]),
                                datetime.fromisoformat(head["synced_at"]),
                                datetime.fromisoformat(head["purge_at"]))
        except (ValueError, KeyError, TypeError):
            raise RosterError(f"{self.path(exam).name} has an unreadable header") from None

    def find(self, exam: str, id_number: str, now: datetime) -> Candidate | None:
        """The candidate from the stored roster; None when there is no roster, it is past
        its purge time (then deleted), or it does not hold this number. RosterError when it
        does not open on this machine."""
        status = self.status(exam)
        if status is None:
            return None
        if status.purge_at <= now:
            self.purge_expired(now)
            return None
        item = self._index(exam).get(id_number)
        try:
            return None if item is None else parse_candidate(item)
        except CandidateFormatError:
            raise RosterError("the stored roster holds an entry that is not a candidate") \
                from None

    def _index(self, exam: str) -> dict[str, dict[str, object]]:
        """id number -> the candidate's wire form. The roster was parsed strictly when it was
        synced and opens only with this machine's key (authenticated encryption), so loading
        indexes it without judging every entry again: the one asked for is parsed."""
        path = self.path(exam)
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(exam)
            if cached is not None and cached[0] == version:
                return cached[1]
        read = self._read(exam)
        if read is None:
            return {}
        header, rest = read
        try:
            plain = self._aead(create=False).decrypt(rest[:12], rest[12:], self._aad(header))
            items = json.loads(plain.decode("utf-8"))["candidates"]
            index = {item["id_number"]: item for item in items}
        except InvalidTag:
            raise RosterError("the stored roster does not open on this machine (copied from"
                              " another, or damaged): sync it again") from None
        except (ValueError, KeyError, TypeError):
            raise RosterError("the stored roster opened but is not a roster") from None
        with self._lock:
            self._cache[exam] = (version, index)
        return index
