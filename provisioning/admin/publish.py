"""`kiosk-admin config publish`: an admin's TOML made into a bundle, checked, and staged for
the other admins' signatures.

Everything a kiosk would refuse is refused here first, before anyone signs: the contract's
strict parser (`central_api_client.config_bundle`), then the kiosk's own rules (steps that
exist, a photo standard that describes a photo, keys and the staff CA that parse), so a bundle
that reaches the kiosks is one they apply whole.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from central_api_client.config_bundle import (
    FORMAT,
    TARGET_NAME,
    BundleError,
    ConfigBundle,
    KeyPair,
    bundle_from_dict,
    bundle_to_bytes,
)
from kiosk.core.photo_standard import PhotoStandard, with_figures
from kiosk.core.workflows import Workflow, WorkflowError
from provisioning.admin.repo_cli import duration, report, run
from provisioning.admin.repository import Repository, utc_in


def bundle_from_toml(text: str, version: int, expires: datetime) -> ConfigBundle:
    """The bundle an admin's TOML describes, with the version and expiry publishing gives it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BundleError(f"not valid TOML: {exc}") from None
    for key in ("format", "version", "expires"):
        if key in data:
            raise BundleError(f"{key}: set by `config publish`, not in the file")
    data = _dates_as_text(data)
    data.update(format=FORMAT, version=version,
                expires=expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return bundle_from_dict(data)


def _dates_as_text(value: Any) -> Any:
    """TOML dates (from = 2019-09-02) as the bundle's text dates."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def check_bundle(bundle: ConfigBundle, now: datetime) -> list[str]:
    """What a kiosk would refuse, as errors; what is odd but allowed comes back as warnings."""
    errors, warnings = [], []
    for name, spec in bundle.workflows.items():
        try:
            Workflow(name, spec.steps)
        except WorkflowError as exc:
            errors.append(f"workflows.{name}: {exc}")
        for i, window in enumerate(spec.windows):
            if window.last_day < now.date():
                warnings.append(f"workflows.{name}.windows[{i}]: ended on {window.last_day}")
    try:
        with_figures(PhotoStandard(), bundle.photo)
    except ValueError as exc:
        errors.append(str(exc))
    for label, pair, kind in (("keys.sealing", bundle.sealing_key, X25519PublicKey),
                              ("keys.receipt", bundle.receipt_key, Ed25519PublicKey)):
        errors += _key_errors(label, pair, kind)
    if bundle.staff_ca is not None:
        try:
            x509.load_pem_x509_certificate(bundle.staff_ca.encode())
        except ValueError:
            errors.append("staff_ca: not a PEM certificate")
    if bundle.expires <= now:
        errors.append("expires: already past")
    if errors:
        raise BundleError("; ".join(errors))
    return warnings


def _key_errors(label: str, pair: KeyPair | None, kind: type) -> list[str]:
    if pair is None:
        return []
    out = []
    for which, pem in (("current", pair.current), ("next", pair.next)):
        if pem is None:
            continue
        try:
            key = load_pem_public_key(pem.encode())
        except ValueError:
            out.append(f"{label}.{which}: not a PEM public key")
            continue
        if not isinstance(key, kind):
            out.append(f"{label}.{which}: expected {kind.__name__.removesuffix('PublicKey')}")
    if pair.next is not None and pair.next.strip() == pair.current.strip():
        out.append(f"{label}: next is the same key as current")
    return out


@click.group()
def config() -> None:
    """The kiosks' configuration bundle."""


@config.command("publish")
@click.argument("repo_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.argument("toml_path", metavar="CONFIG.toml",
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--expires", "valid_for", default="30d", show_default=True,
              help="How long kiosks apply this bundle; then its freeze limits decide.")
def config_publish(repo_dir: Path, toml_path: Path, valid_for: str) -> None:
    """Check CONFIG.toml and stage it; it is published once enough admins `repo sign` it."""
    repository = Repository(repo_dir)
    expires = utc_in(duration(valid_for))
    version = repository.next_version()
    try:
        bundle = bundle_from_toml(toml_path.read_text(encoding="utf-8"), version, expires)
        warnings = check_bundle(bundle, datetime.now(UTC))
    except BundleError as exc:
        raise click.ClickException(f"{toml_path}: refused: {exc}") from None
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    staged = run(lambda: repository.stage_bundle(TARGET_NAME, bundle_to_bytes(bundle), expires))
    click.echo(f"bundle v{staged} (expires {expires:%Y-%m-%d %H:%M} UTC) staged;"
               " admins now `kiosk-admin repo sign`.")
    report(repository, [])
