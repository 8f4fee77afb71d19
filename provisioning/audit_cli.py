"""`kioskctl audit verify|show`: the machine's hash-chained audit log (`kiosk.core.audit_chain`).

`verify` reads the whole chain and names the first entry that was deleted before, edited or
moved (exit 1); the newest entries deleted leave a valid, shorter chain, which only the province
can see (`provincial-api devices list`: TRUNCATED or REWRITTEN). `show` prints entries: ids,
events and counts only, never personal data (the audit holds none).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from provisioning.machine import config_option as _config_option
from provisioning.machine import data_dir_option as _data_dir_option
from provisioning.machine import existing_store as _store
from provisioning.machine import json_option as _json_option


@click.group()
def audit() -> None:
    """The machine's tamper-evident audit log."""


@audit.command("verify")
@_config_option
@_data_dir_option
@_json_option
def audit_verify(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Check the whole chain; exit 1 naming the first entry deleted before, edited or moved."""
    with _store(config_path, data_dir) as store:
        verdict = store.audit.verify()
        total = store.audit.head().count
    bad = verdict.first_break
    report = {
        "ok": verdict.ok, "entries": total,
        "verified": verdict.head.count, "head": verdict.head.header(),
        "first_bad_entry": None if bad is None else
        {"id": bad.entry_id, "position": bad.position, "reason": bad.reason},
    }
    if as_json:
        click.echo(json.dumps(report, indent=2))
    elif bad is None:
        click.echo(f"audit chain intact: {total} entries, head {verdict.head.header()}")
    else:
        click.echo(f"audit chain BROKEN at entry {bad.entry_id} (position {bad.position} of "
                   f"{total}): {bad.reason}; the {verdict.head.count} entries before it verify")
    if bad is not None:
        raise SystemExit(1)


@audit.command("show")
@click.option("--last", type=click.IntRange(min=1), default=None,
              help="Only the newest N entries.")
@_config_option
@_data_dir_option
@_json_option
def audit_show(last: int | None, config_path: Path | None, data_dir: Path | None,
               as_json: bool) -> None:
    """The entries, oldest first: id, time, event, facts and the start of their hash."""
    with _store(config_path, data_dir) as store:
        entries = store.audit.entries(last)
    if as_json:
        click.echo(json.dumps([{"id": e.id, "at": e.at, "event": e.event,
                                "facts": _facts(e.facts), "prev_hash": e.prev_hash,
                                "hash": e.hash} for e in entries], ensure_ascii=False, indent=2))
        return
    for e in entries:
        click.echo(f"{e.id}\t{e.at}\t{e.event}\t{e.facts}\t{e.hash[:12]}")


def _facts(text: str) -> object:
    """An entry's facts as JSON, or the text as it is when someone broke it."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
