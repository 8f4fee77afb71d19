"""The audit log as a hash chain: each entry carries the SHA-256 of the one before it.

Anyone with the database file can change a row, so the rows alone prove nothing; chained, an
entry deleted, edited or moved breaks every link after it (`verify` names the first), and the
chain's head (how many entries, the newest hash) travels signed with every upload, so the
province notices a chain that shrank or was recomputed since it last saw it.

An entry's hash covers its canonical bytes: a version tag, then compact JSON (sorted keys,
ASCII) of its position, time, event, facts and the previous hash. The first entry's previous
hash is `GENESIS`. Pure: the store keeps the rows and calls these in its transactions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64
_TAG = b"kiosk-audit-v1\n"
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log as stored: `facts` is the JSON text kept in the row."""

    id: int
    at: str
    event: str
    facts: str
    prev_hash: str
    hash: str


def canonical_bytes(entry_id: int, at: str, event: str, facts: str, prev_hash: str) -> bytes:
    """What an entry's hash covers, byte for byte."""
    body = {"id": entry_id, "at": at, "event": event, "facts": facts, "prev": prev_hash}
    return _TAG + json.dumps(body, sort_keys=True, separators=(",", ":"),
                             ensure_ascii=True).encode("ascii")


def entry_hash(entry_id: int, at: str, event: str, facts: str, prev_hash: str) -> str:
    """The SHA-256 (hex) of an entry's canonical bytes."""
    return hashlib.sha256(canonical_bytes(entry_id, at, event, facts, prev_hash)).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """How many entries the chain has and the newest one's hash (GENESIS when empty)."""

    count: int
    hash: str

    def header(self) -> str:
        """The `Kiosk-Audit-Head` header's value: COUNT:SHA256."""
        return f"{self.count}:{self.hash}"


@dataclass(frozen=True)
class ChainBreak:
    """The first entry that does not fit the chain, and why, in words."""

    entry_id: int
    position: int  # 1-based place in the chain as read (by id)
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The result of `verify`: the head of the chain as read, and its first break if any."""

    head: ChainHead
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify(entries: Iterable[AuditEntry]) -> Verdict:
    """Check the chain in id order: ids run 1, 2, 3... (a gap is a deleted entry), every
    entry's hash matches its content (else it was edited), and its previous hash is the hash
    of the entry before it, or GENESIS for the first (else entries were moved or replaced).
    Stops at the first break. Deleting the newest entries leaves a shorter chain that verifies
    (only the province, which saw the longer head, can tell: `provincial-api devices list`),
    unless more are appended after them: AUTOINCREMENT ids are never reused, so that gap shows.
    """
    expected_prev, count, last_id = GENESIS, 0, 0
    for entry in entries:
        count += 1
        if entry.id != last_id + 1:
            if entry.id <= last_id:
                reason = f"out of order: after entry {last_id}"
            elif entry.id == last_id + 2:
                reason = f"entry {last_id + 1} before it is missing (deleted)"
            else:
                reason = f"entries {last_id + 1}-{entry.id - 1} before it are missing (deleted)"
            return Verdict(ChainHead(count - 1, expected_prev),
                           ChainBreak(entry.id, count, reason))
        if entry_hash(entry.id, entry.at, entry.event, entry.facts, entry.prev_hash) != entry.hash:
            return Verdict(ChainHead(count - 1, expected_prev), ChainBreak(
                entry.id, count, "edited: its hash does not match its content"))
        if entry.prev_hash != expected_prev:
            what = "the first entry" if count == 1 else f"entry {last_id}"
            return Verdict(ChainHead(count - 1, expected_prev), ChainBreak(
                entry.id, count, f"does not follow {what}: an entry before it was deleted,"
                " or entries were moved"))
        expected_prev, last_id = entry.hash, entry.id
    return Verdict(ChainHead(count, expected_prev), None)
