"""The heartbeat: one wire type for a kiosk telling the province it is alive, and how it is.

Central admins have no other way to see which kiosks work (`kiosk-admin fleet` reads the latest
one per machine): the uploader sends one, signed like every request, every `upload.heartbeat_s`.
It carries facts about the machine only, never about a candidate: versions, how much waits to be
uploaded and for how long, each device's health as a code, the audit chain's head and free
disk. The device is the request's signer, so the body does not name it. Parsed strictly with
bounds on both sides: the server answers 422 with the parser's text, the kiosk never sends what
the parser would refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from central_api_client.contract import is_utc_timestamp

MAX_HEARTBEAT_BODY_BYTES = 4 * 1024
MAX_CONFIG_VERSION = 2**31 - 1
MAX_QUEUE_DEPTH = 10_000_000
MAX_AGE_S = 10 * 366 * 86400  # ten years: anything older is a broken clock, not a backlog
MAX_DISK_FREE_MB = 2**31 - 1
MAX_HARDWARE_PARTS = 16
APP_VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$"
PART_PATTERN = r"^[a-z][a-z0-9_]{0,15}$"
# "ok", or a fault code such as "paper_out" (`kiosk.core.health.DeviceHealth.parts`).
HEALTH_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
AUDIT_HEAD_PATTERN = r"^[0-9]{1,12}:[0-9a-f]{64}$"
OK = "ok"
FIELDS = ("config_version", "app_version", "queue_depth", "oldest_unacknowledged_s",
          "hardware", "audit_head", "disk_free_mb", "sent_at")

_APP_VERSION = re.compile(APP_VERSION_PATTERN)
_PART = re.compile(PART_PATTERN)
_CODE = re.compile(HEALTH_CODE_PATTERN)
_AUDIT_HEAD = re.compile(AUDIT_HEAD_PATTERN)


class HeartbeatFormatError(ValueError):
    """A heartbeat that is not one (the server answers 422 with this text)."""


def _int(value: object, name: str, low: int, high: int) -> int:
    # bool is an int in Python, never on this wire.
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise HeartbeatFormatError(f"{name} is an integer from {low} to {high}")
    return value


@dataclass(frozen=True)
class Heartbeat:
    """What a kiosk says of itself. `hardware`: part -> "ok" or its fault code; empty when the
    kiosk's UI process has recorded nothing yet (the uploader does not guess)."""

    config_version: int | None  # the signed central bundle in force; None: none applied
    app_version: str
    queue_depth: int  # records not yet acknowledged by the province
    oldest_unacknowledged_s: int | None  # None exactly when the queue is empty
    audit_head: str  # "COUNT:SHA256", as the signed Kiosk-Audit-Head header carries it
    disk_free_mb: int
    sent_at: str  # `contract.utc_timestamp`'s form
    hardware: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.config_version is not None:
            _int(self.config_version, "config_version", 1, MAX_CONFIG_VERSION)
        if not isinstance(self.app_version, str) or not _APP_VERSION.fullmatch(self.app_version):
            raise HeartbeatFormatError("app_version is 1-32 letters, digits and . + _ -")
        _int(self.queue_depth, "queue_depth", 0, MAX_QUEUE_DEPTH)
        if self.oldest_unacknowledged_s is None:
            if self.queue_depth:
                raise HeartbeatFormatError("oldest_unacknowledged_s is null only when the"
                                           " queue is empty")
        else:
            _int(self.oldest_unacknowledged_s, "oldest_unacknowledged_s", 0, MAX_AGE_S)
            if not self.queue_depth:
                raise HeartbeatFormatError("oldest_unacknowledged_s is null when the queue is"
                                           " empty")
        if not isinstance(self.audit_head, str) or not _AUDIT_HEAD.fullmatch(self.audit_head):
            raise HeartbeatFormatError("audit_head is COUNT:SHA256")
        _int(self.disk_free_mb, "disk_free_mb", 0, MAX_DISK_FREE_MB)
        if not is_utc_timestamp(self.sent_at):
            raise HeartbeatFormatError("sent_at is a UTC timestamp with milliseconds")
        parts = self.hardware
        if not isinstance(parts, dict) or len(parts) > MAX_HARDWARE_PARTS:
            raise HeartbeatFormatError(f"hardware maps at most {MAX_HARDWARE_PARTS} parts")
        for part, code in parts.items():
            if not isinstance(part, str) or not _PART.fullmatch(part):
                raise HeartbeatFormatError("a hardware part is a short lower-case name")
            if not isinstance(code, str) or not _CODE.fullmatch(code):
                raise HeartbeatFormatError(f"hardware.{part} is \"ok\" or a fault code")

    @property
    def faults(self) -> dict[str, str]:
        """The parts that are not ok."""
        return {part: code for part, code in self.hardware.items() if code != OK}

    def to_wire(self) -> dict[str, Any]:
        """The request body of `POST /v1/heartbeat` (also how the server keeps it)."""
        return {"config_version": self.config_version, "app_version": self.app_version,
                "queue_depth": self.queue_depth,
                "oldest_unacknowledged_s": self.oldest_unacknowledged_s,
                "hardware": dict(sorted(self.hardware.items())), "audit_head": self.audit_head,
                "disk_free_mb": self.disk_free_mb, "sent_at": self.sent_at}


def parse_heartbeat(data: object) -> Heartbeat:
    """A heartbeat, strictly: exactly its keys, each within its bounds, nothing else."""
    if not isinstance(data, dict) or set(data) != set(FIELDS):
        raise HeartbeatFormatError("a heartbeat has exactly the keys " + ", ".join(FIELDS))
    if not isinstance(data["hardware"], dict):
        raise HeartbeatFormatError("hardware is an object of part -> code")
    return Heartbeat(
        config_version=data["config_version"], app_version=data["app_version"],
        queue_depth=data["queue_depth"],
        oldest_unacknowledged_s=data["oldest_unacknowledged_s"],
        audit_head=data["audit_head"], disk_free_mb=data["disk_free_mb"],
        sent_at=data["sent_at"], hardware=dict(data["hardware"]),
    )
