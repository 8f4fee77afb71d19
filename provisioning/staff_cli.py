"""`kioskctl staff check`: sign in with a staff card and PIN, as the kiosk's PIN pad would, and
say who it is, or the one error code and what it means. Exit 1, never a traceback, on every
error; the wrong PIN counts towards the machine's software lockout like the kiosk's own.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from kiosk.core.staff import StaffCardError, StaffMember
from provisioning.machine import config_option, data_dir_option, json_option, machine_config


@click.group("staff")
def staff() -> None:
    """Staff cards: check that a card and its PIN sign in on this machine."""


def _reader_uri(given: str | None, configured: str) -> str:
    uri = given if given is not None else configured
    if not uri:
        raise StaffCardError("reader_unavailable", "no reader: give --reader or set "
                                                   "devices.staffcard")
    return uri if uri.startswith("pcsc://") else f"pcsc://{uri}"


def _check(config_path: Path | None, data_dir: Path | None, reader: str | None, pin: str,
           ca: Path | None) -> StaffMember:
    from hardware.staffcard.pcsc import open_staffcard_reader
    from kiosk.staff_signin import sign_in, staff_settings
    from kiosk.store import open_store

    config = machine_config(config_path, data_dir)
    settings = staff_settings(config)
    ca_pem = settings.ca_pem
    if ca is not None:
        try:
            ca_pem = ca.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"--ca {ca}: {exc.strerror}") from None
    if ca_pem is None:
        raise click.ClickException("no staff CA: give --ca, set [staff] ca, or apply a "
                                   "signed configuration that carries one")
    try:
        card_reader = open_staffcard_reader(_reader_uri(reader, config.devices.staffcard),
                                            ca_pem=ca_pem, county=settings.county)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    store = open_store(config)
    try:
        card = card_reader.current()
        try:
            return sign_in(card, pin, store.staff_lockout, settings.policy)
        finally:
            card.close()
    finally:
        card_reader.close()
        store.close()


def _explain(exc: StaffCardError) -> str:
    if exc.code == "wrong_pin" and exc.tries_left is not None:
        return f"wrong PIN: the card allows {exc.tries_left} more tries"
    if exc.code == "locked_out":
        return f"too many wrong PINs: try again in {exc.seconds} s"
    return exc.detail or exc.code


@staff.command("check")
@click.option("--reader", default=None,
              help="pcsc://READER NAME, or the reader's name (default: devices.staffcard).")
@click.option("--pin", prompt=True, hide_input=True, help="The card's PIN (asked when left out).")
@click.option("--ca", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Trust this staff CA certificate (default: the signed configuration's, "
                   "else [staff] ca).")
@json_option
@config_option
@data_dir_option
def staff_check(reader: str | None, pin: str, ca: Path | None, as_json: bool,
                config_path: Path | None, data_dir: Path | None) -> None:
    """Sign in with the card in the reader and print who it is and the role."""
    try:
        member = _check(config_path, data_dir, reader, pin, ca)
    except StaffCardError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "code": exc.code, "detail": exc.detail,
                                   "tries_left": exc.tries_left, "seconds": exc.seconds}))
        else:
            click.echo(f"{exc.code}: {_explain(exc)}", err=True)
        raise SystemExit(1) from None
    if as_json:
        click.echo(json.dumps({
            "ok": True, "name": member.name, "role": member.role,
            "staff_number": member.staff_number, "county": member.county,
            "point": member.point, "valid_until": member.not_after.isoformat(),
            "card": member.fingerprint[:16]}, ensure_ascii=False))
        return
    click.echo(f"{member.name}: {member.role}, staff number {member.staff_number}, county "
               f"{member.county}{', point ' + member.point if member.point else ''}; card "
               f"valid until {member.not_after:%Y-%m-%d}")
