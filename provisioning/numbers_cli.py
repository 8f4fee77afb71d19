"""`kioskctl numbers void`: staff's way to void sequence numbers reserved by sessions that
never finished (`kiosk.store.numbers`), without restarting the kiosk.

The number of the newest session is always spared (it may belong to the candidate at the
screen, however slow), and so is any reserved less than `--older-than` minutes ago. The
province hears of the voided numbers with the uploader's next drain.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from provisioning.machine import config_option, data_dir_option, existing_store, json_option

SPARE_MINUTES = 30


@click.group()
def numbers() -> None:
    """Registration sequence numbers handed out by this machine."""


@numbers.command("void")
@click.option("--older-than", "older_than_min", type=click.FloatRange(min=0),
              default=SPARE_MINUTES, show_default=True,
              help="Void only numbers reserved at least this many minutes ago.")
@config_option
@data_dir_option
@json_option
def numbers_void(older_than_min: float, config_path: Path | None, data_dir: Path | None,
                 as_json: bool) -> None:
    """Void numbers reserved by sessions that never finished; they are never handed out again
    and the province is told with the next upload."""
    with existing_store(config_path, data_dir) as store:
        voided = store.numbers.void_abandoned(older_than_min * 60, spare_live=True)
        usage = store.numbers.usage()
        waiting = len(store.numbers.unreported_voids())
    report = {"voided_now": voided, "void": usage["void"], "reserved": usage["reserved"],
              "voids_not_yet_reported": waiting}
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"voided {voided} number(s) reserved over {older_than_min:g} min ago;"
               f" {usage['reserved']} still reserved, {waiting} void(s) waiting to be reported")
