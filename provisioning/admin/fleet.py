"""`kiosk-admin fleet`: which kiosks are alive and how they are, from their heartbeats.

Central admins cannot walk to a hundred registration points: per machine this shows when it was
last heard from, its configuration and app versions, what waits to be uploaded and for how long,
each device's health and the alerts that call for someone; a machine silent for longer than
`--silent-after` is flagged SILENT (it may be off, cut off the network, or its uploader hung).
Per county and point, today's counts (records received since midnight China time) say where
registration is happening. It reads the province's database read-only through
`provincial_api.backend` (the reference implementation's way: no admin HTTP endpoint).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import click

from central_api_client.contract import utc_timestamp
from provincial_api.backend import BackendError, describe, open_fleet_reads

CHINA = timezone(timedelta(hours=8))  # no daylight saving: days and hours as the points live
SILENT = "SILENT"
# A queue whose oldest record has waited this long is an alert: the upload freeze
# (upload.freeze_after_days, default 3) is not far off.
STALE_QUEUE_S = 24 * 3600
# Under this much free disk a kiosk is close to its own guard (storage.min_free_mb, 200).
LOW_DISK_MB = 1024
_DURATION = re.compile(r"^([0-9]+)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """"90s", "15m", "2h", "1d" as seconds (ValueError otherwise)."""
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration such as 15m, 2h or 1d")
    return float(int(match.group(1)) * _UNIT_S[match.group(2)])


@dataclass(frozen=True)
class Machine:
    """One row of the report (the JSON's `machines` item)."""

    device_id: str
    county_code: str | None
    point: str | None
    active: bool
    last_seen: str | None
    silent_s: int | None
    config_version: int | None
    app_version: str | None
    queue_depth: int | None
    oldest_unacknowledged_s: int | None
    hardware: dict[str, str]
    alerts: list[str]
    records_today: int


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def report(facts: list[Any], now: datetime, silent_after_s: float,
           county: str | None = None) -> dict[str, Any]:
    """The fleet report from `FleetReads.machines`: machines and per (county, point) totals.
    `county`: a county (or city) code prefix, to see one area only."""
    machines = []
    for m in facts:
        if county and not (m.county_code or "").startswith(county):
            continue
        hb = m.heartbeat
        silent_s = None if m.received_at is None else \
            max(0, int((now - _moment(m.received_at)).total_seconds()))
        alerts = []
        if not m.active:
            alerts.append("retired")
        elif silent_s is None or silent_s > silent_after_s:
            alerts.append(SILENT)
        if hb is not None:
            alerts += [f"{part}:{code}" for part, code in sorted(hb.faults.items())]
            if (hb.oldest_unacknowledged_s or 0) > STALE_QUEUE_S:
                alerts.append("queue_stale")
            if hb.disk_free_mb < LOW_DISK_MB:
                alerts.append("disk_low")
        if m.audit_problem:
            alerts.append(f"audit:{m.audit_problem}")
        machines.append(Machine(
            m.device_id, m.county_code, m.point, m.active, m.received_at, silent_s,
            hb.config_version if hb else None, hb.app_version if hb else None,
            hb.queue_depth if hb else None, hb.oldest_unacknowledged_s if hb else None,
            dict(hb.hardware) if hb else {}, alerts, m.records_today))
    areas: dict[tuple[str, str], dict[str, Any]] = {}
    for machine in machines:
        key = (machine.county_code or "?", machine.point or "?")
        area = areas.setdefault(key, {"county_code": key[0], "point": key[1], "machines": 0,
                                      "silent": 0, "records_today": 0, "queued": 0})
        area["machines"] += 1
        area["silent"] += SILENT in machine.alerts
        area["records_today"] += machine.records_today
        area["queued"] += machine.queue_depth or 0
    return {"now": utc_timestamp(now), "silent_after_s": silent_after_s,
            "machines": [vars(m) for m in machines],
            "areas": [areas[k] for k in sorted(areas)]}


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def render(data: dict[str, Any]) -> str:
    """The report as text for a terminal: a line per machine, then a line per area."""
    lines = [f"{'DEVICE':<16} {'LAST SEEN':<9} {'CONFIG':>6} {'APP':<10} {'QUEUE':>6}"
             f" {'OLDEST':>6}  ALERTS"]
    for m in data["machines"]:
        seen = "never" if m["silent_s"] is None else _age(m["silent_s"]) + " ago"
        config = "-" if m["config_version"] is None else f"v{m['config_version']}"
        queue = "-" if m["queue_depth"] is None else str(m["queue_depth"])
        lines.append(f"{m['device_id']:<16} {seen:<9} {config:>6} {m['app_version'] or '-':<10}"
                     f" {queue:>6} {_age(m['oldest_unacknowledged_s']):>6}"
                     f"  {' '.join(m['alerts']) or 'ok'}")
    lines.append("")
    lines.append(f"{'COUNTY':<6} {'MACHINES':>8} {'SILENT':>6} {'QUEUED':>6} {'TODAY':>6}  POINT")
    for a in data["areas"]:
        lines.append(f"{a['county_code']:<6} {a['machines']:>8} {a['silent']:>6}"
                     f" {a['queued']:>6} {a['records_today']:>6}  {a['point']}")
    return "\n".join(lines)


@click.command()
@click.option("--db", required=True, help="the province's database: a SQLite file or a"
              " postgresql:// URL (as `provincial-api --db`); opened read-only")
@click.option("--county", help="only this county's (or city's) machines: a code prefix")
@click.option("--silent-after", default="15m", show_default=True,
              help="flag machines not heard from for longer (3 heartbeats at the default 300 s)")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
def fleet(db: str, county: str | None, silent_after: str, as_json: bool) -> None:
    """Every kiosk's latest heartbeat, SILENT ones flagged, and today's counts per point."""
    try:
        limit = parse_duration(silent_after)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--silent-after") from None
    now = datetime.now(UTC)
    midnight = now.astimezone(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        reads = open_fleet_reads(db)
        facts = reads.machines(since=utc_timestamp(midnight))
    except BackendError as exc:
        raise click.ClickException(f"{describe(db)}: {exc}") from None
    data = report(facts, now, limit, county)
    click.echo(json.dumps(data, ensure_ascii=False, indent=1) if as_json else render(data))
