"""`kioskctl candidates`: this point's roster of candidates, for technicians and staff.

`sync` fetches it now (what the uploader does on its timer), `status` says what is stored:
how many candidates, when synced, when it will be purged. Nothing personal is printed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import click

from kiosk.core.candidates import Exam
from kiosk.core.roster_window import WORKFLOW_EXAM
from provisioning.machine import config_option, data_dir_option, json_option, machine_config

EXAM_CHOICE = click.Choice(["gaokao", "adult"])


@click.group()
def candidates() -> None:
    """The roster of this point's candidates, kept sealed for when the network is down."""


@candidates.command("sync")
@click.option("--exam", "exams", type=EXAM_CHOICE, multiple=True,
              help="Which roster (repeatable; default: those of the central bundle's"
              " `confirm` and `adult-confirm` workflows).")
@config_option
@data_dir_option
@json_option
def candidates_sync(exams: tuple[str, ...], config_path: Path | None, data_dir: Path | None,
                    as_json: bool) -> None:
    """Fetch this point's roster now, sealed to this machine; exit 1 if any fetch failed."""
    from central_api_client.client import ApiError
    from kiosk.roster import RosterError
    from kiosk.seal import SealError
    from kiosk.sync.roster import exams_of, machine_rosters, sync_roster
    from kiosk.sync.uploader import make_client

    config = machine_config(config_path, data_dir, keys=True)
    workflow_of = {exam: wf for wf, exam in WORKFLOW_EXAM.items()}
    wanted: dict[Exam, str] = {e: wf for e, wf in exams_of(config).items()
                               if not exams or e in exams}
    for name in exams:
        exam = cast(Exam, name)
        wanted.setdefault(exam, workflow_of[exam])
    if not wanted:
        raise click.ClickException("no workflow of this machine looks candidates up;"
                                   " name one with --exam")
    try:
        client = make_client(config)
    except (SealError, ValueError) as exc:
        raise click.ClickException(f"cannot sign requests: {exc}") from None
    rosters = machine_rosters(config)
    report: list[dict[str, object]] = []
    failed = False
    with client:
        for exam, workflow in sorted(wanted.items()):
            try:
                status = sync_roster(client, rosters, config, exam, workflow)
            except (ApiError, RosterError) as exc:
                failed = True
                report.append({"exam": exam, "error": str(exc)})
                continue
            report.append(_status_json(status))
    _print(report, as_json)
    if failed:
        raise SystemExit(1)


@candidates.command("status")
@config_option
@data_dir_option
@json_option
def candidates_status(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """The stored rosters: count, synced at, purged at (an expired one is purged now)."""
    from kiosk.roster import RosterError
    from kiosk.sync.roster import machine_rosters

    rosters = machine_rosters(machine_config(config_path, data_dir))
    rosters.purge_expired(datetime.now(UTC))
    report: list[dict[str, object]] = []
    for exam in rosters.exams():
        try:
            status = rosters.status(exam)
        except RosterError as exc:
            report.append({"exam": exam, "error": str(exc)})
            continue
        if status is not None:
            report.append(_status_json(status))
    _print(report, as_json)


def _status_json(status: object) -> dict[str, object]:
    from kiosk.roster import RosterStatus

    assert isinstance(status, RosterStatus)
    return {"exam": status.exam, "point": status.point, "count": status.count,
            "synced_at": status.synced_at.isoformat(), "purge_at": status.purge_at.isoformat()}


def _print(report: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    if not report:
        click.echo("no roster stored")
    for item in report:
        if "error" in item:
            click.echo(f"{item['exam']}: FAILED: {item['error']}")
        else:
            click.echo(f"{item['exam']}: {item['count']} candidate(s) of {item['point']},"
                       f" synced {item['synced_at']}, purged {item['purge_at']}")
