"""`kioskctl idcard`: read one card with the configured (or a given) reader, and run the GA 467
simulator for bench work without a reader.

`idcard read` is the one kioskctl command that shows personal data: the card the technician
holds, on the technician's own terminal. Nothing is logged, and photo bytes are never printed.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import click

from hardware.idcard.ga467.errors import Ga467Error
from hardware.idcard.reader import ReaderError
from kiosk.core.documents import IdentityDocument
from kiosk.core.errors import KioskError
from kiosk.core.nations import nation_name

CARD_TYPE_LABELS = {
    "resident": "居民身份证 / resident ID card",
    "permit_hmt": "港澳台居民居住证 / HK-Macao-Taiwan residence permit",
    "foreign_2017": "外国人永久居留身份证 (2017) / foreigner's permanent residence card (2017)",
    "foreign_2023": "外国人永久居留身份证 (2023) / foreigner's permanent residence card (2023)",
}


def document_report(doc: IdentityDocument, today: date, wlt_library: str = "") -> dict:
    """The fields a technician sees: dates ISO, `valid_to` null when long-term, no photo bytes."""
    from hardware.idcard.wlt import decode_chip_photo

    out: dict[str, object] = dict(doc.to_fields())
    out["nation_name"] = nation_name(doc.nation)
    out["chip_photo_bytes"] = len(doc.chip_photo) if doc.chip_photo else 0
    out["chip_photo_decoded"] = decode_chip_photo(doc.chip_photo, wlt_library) is not None
    try:
        doc.validate(today)
        out["check"] = "ok"
    except KioskError as exc:
        out["check"] = exc.code
    return out


def _error_text(exc: ReaderError) -> str:
    if isinstance(exc, Ga467Error):
        return f"{exc.code}: {exc.message}" + (f" [SW3 0x{exc.status:02X}]" if exc.status else "")
    return f"{exc.code}: {exc.detail or exc.code}"


@click.group()
def idcard() -> None:
    """The ID card reader (GA 467)."""


@idcard.command("read")
@click.option("--device", "uri", help="Reader URI, e.g. ga467:///dev/ttyUSB0?baud=115200 "
              "(default: devices.idcard of the config).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Machine config.")
@click.option("--sim-dir", type=click.Path(path_type=Path), help="For sim://: the slot folder.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for a card to be placed.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def read_card(uri: str | None, config_path: Path | None, sim_dir: Path | None, wait: float,
              as_json: bool) -> None:
    """Read the card on the reader and print its fields."""
    from hardware.idcard import open_idcard_reader
    from kiosk.config import ConfigError, load_config
    from provisioning.machine import device_uri, open_machine

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    uri = device_uri(config, "idcard", uri)
    open_machine(config, devices={"idcard": uri})
    try:
        reader = open_idcard_reader(uri, sim_dir or config.sim_dir)
    except ValueError as exc:
        raise click.ClickException(f"device: {exc}") from None
    try:
        deadline = time.monotonic() + wait
        while not reader.card_present() and time.monotonic() < deadline:
            time.sleep(0.2)
        doc = reader.read()
    except ReaderError as exc:
        raise click.ClickException(_error_text(exc)) from None
    finally:
        reader.close()
    report = document_report(doc, date.today(), config.devices.wlt_library)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"card type: {CARD_TYPE_LABELS[doc.card_type.value]}")
    for key, value in report.items():
        if key != "card_type" and value is not None:
            click.echo(f"{key:>20}: {value}")


@idcard.command("sim")
@click.option("--card", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Card file to place on the reader (hardware/idcard/sim/cards/*.json).")
@click.option("--sim-dir", type=click.Path(path_type=Path), help="Slot folder (default: "
              "the config's data dir /sim).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Machine config.")
@click.option("--device", help="Serve this device path instead of a new pty.")
@click.option("--baud", type=int, default=115200, show_default=True)
@click.option("--sam-latency", type=float, default=0.8, show_default=True)
@click.option("--fault", type=click.Choice(["no_card", "read_failed", "bad_checksum",
              "truncated", "garbage", "slow", "pulled"]))
@click.option("--fault-times", type=int, default=0, show_default=True,
              help="Fault only the first N commands concerned (0: all).")
@click.option("--slow-delay", type=float, default=1.5, show_default=True)
def run_sim(card: Path | None, sim_dir: Path | None, config_path: Path | None,
            device: str | None, baud: int, sam_latency: float, fault: str | None,
            fault_times: int, slow_delay: float) -> None:
    """Run the GA 467 simulator; prints the device path, then serves until interrupted."""
    from hardware.idcard.sim import ga467_sim
    from kiosk.config import ConfigError, load_config

    if sim_dir is None:
        try:
            sim_dir = load_config(config_path).sim_dir
        except ConfigError as exc:
            raise click.ClickException(f"configuration: {exc}") from None
    argv = ["--sim-dir", str(sim_dir), "--baud", str(baud), "--sam-latency", str(sam_latency),
            "--fault-times", str(fault_times), "--slow-delay", str(slow_delay)]
    if card is not None:
        argv += ["--card", str(card)]
    if device:
        argv += ["--device", device]
    if fault:
        argv += ["--fault", fault]
    raise SystemExit(ga467_sim.main(argv))
