"""`kiosk-admin staff-ca init DIR` and `kiosk-admin staff issue ...`: the staff CA and its cards."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from central_api_client.files import atomic_write
from hardware.staffcard.profile import staff_subject
from kiosk.core.staff import ROLES, StaffCardError
from provisioning.admin.keys import passphrase_from
from provisioning.admin.staff_ca import StaffCaError, init_ca, issue, load_ca, pem
from provisioning.admin.staff_program import program_card

_PASSPHRASE = click.option(
    "--passphrase-file", type=click.Path(dir_okay=False, path_type=Path),
    help="Read the CA key's passphrase from this file's first line instead of asking.")


@click.group("staff-ca")
def staff_ca() -> None:
    """The province's staff CA, which the kiosks trust for staff cards."""


@staff_ca.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@_PASSPHRASE
def staff_ca_init(folder: Path, passphrase_file: Path | None) -> None:
    """Make a staff CA in FOLDER: staff-ca.key (passphrase-protected) and staff-ca.pem (give
    this to the kiosks: [staff] ca, or the signed configuration's staff_ca)."""
    phrase = passphrase_from(passphrase_file, confirm=True, what="the new staff CA")
    try:
        cert = init_ca(folder, phrase)
    except StaffCaError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"staff CA certificate: {cert}")


@click.group("staff")
def staff() -> None:
    """Staff cards: issue a certificate, and program a card through a PC/SC reader."""


@staff.command("issue")
@click.option("--ca", "ca_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The staff CA's folder (staff-ca init).")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="The holder's name, as the panel shows it.")
@click.option("--staff-number", required=True)
@click.option("--county", required=True, help="Six-digit administrative code.")
@click.option("--point", default="", help="Registration point (default: any in the county).")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="Validity in days (default: 183 for staff, 730 for the others).")
@click.option("--reader", default=None,
              help="Program the card in this PC/SC reader ('' for the first).")
@click.option("--public-key", "public_key_file",
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Only issue a certificate for this P-256 public key (PEM).")
@click.option("--pin", default=None, help="The card's new PIN (6 to 8 digits), with --reader.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the certificate (PEM).")
@_PASSPHRASE
def staff_issue(ca_dir: Path, role: str, name: str, staff_number: str, county: str, point: str,
                days: int | None, reader: str | None, public_key_file: Path | None,
                pin: str | None, output: Path, passphrase_file: Path | None) -> None:
    """Issue a staff card: with --reader, keys made on the card, certificates written and the
    PIN set; with --public-key, only the certificate."""
    if (reader is None) == (public_key_file is None):
        raise click.UsageError("give one of --reader or --public-key")
    if reader is not None and pin is None:
        raise click.UsageError("--reader needs --pin: the card's new PIN")
    try:
        staff_subject(role=role, name=name, staff_number=staff_number, county=county,
                      point=point)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        ca = load_ca(ca_dir, passphrase_from(passphrase_file, confirm=False,
                                             what="the staff CA"))
    except StaffCaError as exc:
        raise click.ClickException(str(exc)) from None

    def issue_for(key: ec.EllipticCurvePublicKey) -> x509.Certificate:
        return issue(ca, key, role=role, name=name, staff_number=staff_number, county=county,
                     point=point, days=days)

    if public_key_file is not None:
        key = serialization.load_pem_public_key(public_key_file.read_bytes())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise click.UsageError("--public-key must be a P-256 public key")
        try:
            cert = issue_for(key)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    else:
        assert pin is not None
        try:
            cert = program_card(reader or None, issue_for, pin)
        except StaffCardError as exc:
            raise click.ClickException(f"the card was not programmed: {exc}") from None
    atomic_write(output, pem(cert), mode=0o644)
    click.echo(f"{role} card for staff number {staff_number}, county {county}: {output}")
