"""`kioskctl enrol`: a technician enrols the machine alone, with a one-time token.

The token carries the fingerprint of the province's receipt key, so the machine believes the
answer only when it is signed by that key (`Enrolment.verify`): a server that cannot sign as the
province cannot give the machine an identity, ranges or keys to seal to. Then, in this order so
that a power cut leaves the machine unenrolled rather than half-enrolled: the province's keys,
the signed answer itself (`enrolment.json`, also what a second run is compared with), and last
the config (`kiosk.toml`), each written atomically.

Running it again with the same token is harmless: the province answers the same enrolment for
the same key, and nothing changes. Another token on an enrolled machine is refused unless
`--force` (the machine moves to another point). Every failure is one line and exit 1; the
token's secret is never printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from central_api_client.enrolment import Enrolment, EnrolmentError, EnrolmentToken, EnrolRequest
from central_api_client.files import atomic_write
from kiosk.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config, parse_config
from provisioning.machine import open_machine

ENROLMENT_FILE = "enrolment.json"
TRUST_ROOT_FILE = "tuf_root.json"  # the signed configuration's first trusted root


def config_path_of(given: Path | None) -> Path:
    """Where this machine's config is: --config, $KIOSK_CONFIG, /etc/kiosk/kiosk.toml."""
    env = os.environ.get("KIOSK_CONFIG")
    return given or (Path(env) if env else DEFAULT_CONFIG_PATH)


@click.command("enrol")
@click.option("--api", "api_url", required=True, metavar="URL",
              help="The provincial API, e.g. https://api.example.invalid")
@click.option("--token", required=True, envvar="KIOSK_ENROL_TOKEN", show_envvar=True,
              help="The one-time token from `provincial-api tokens issue` (HNE1....); the"
              " environment variable keeps it out of the shell history.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The config to write (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml).")
@click.option("--force", is_flag=True,
              help="Enrol again with a new token although the machine is enrolled already.")
def enrol(api_url: str, token: str, config_path: Path | None, force: bool) -> None:
    """Enrol this machine with the province and write its config and the province's keys."""
    from central_api_client.client import ApiError, ProvincialApiClient
    from kiosk.enrolment_key import device_key_for_enrolment
    from kiosk.seal import SealError

    path = config_path_of(config_path)
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else None
        config = parse_config(existing, str(path)) if existing else load_config(None)
    except (OSError, ConfigError) as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    # The data dir owner-only before a key is made in it; no development key and no missing
    # TPM on a real machine (a key file enrols only under --simulate, with a development server).
    open_machine(config, keys=True)
    try:
        parsed = EnrolmentToken.parse(token)
    except EnrolmentError as exc:
        raise click.ClickException(f"enrolment token: {exc.reason}") from None
    previous = enrolment_of(config)
    if previous is not None and previous.token_id != parsed.token_id and not force:
        raise click.ClickException(f"already enrolled as {previous.device_id} (county"
                                   f" {previous.county_code}, point {previous.point}); to"
                                   " enrol it anew with this token, add --force")
    try:
        key = device_key_for_enrolment(config.keys_dir, config.devices.tpm)
        with ProvincialApiClient(api_url, config.api.timeout_s) as client:
            answer = client.enrol(EnrolRequest(token.strip(), key.public_pem, key.storage,
                                               key.evidence))
        answer.verify(parsed, key.sha256)
    except EnrolmentError as exc:
        if exc.code in ("answer_not_province", "answer_bad_signature"):
            raise click.ClickException(f"{api_url} is not the province's server: {exc.reason};"
                                       " nothing was written") from None
        raise click.ClickException(f"enrolment answer refused ({exc.code}): {exc.reason}") \
            from None
    except ApiError as exc:
        code = getattr(exc, "code", None)
        reason = getattr(exc, "reason", None) or str(exc)
        raise click.ClickException(f"enrolment refused ({code}): {reason}" if code
                                   else f"enrolment failed: {reason}") from None
    except (ValueError, SealError) as exc:  # a base URL in the clear; an unreadable key file
        raise click.ClickException(str(exc)) from None
    same = previous == answer and _unchanged(config, answer)
    try:
        _write(path, existing, config, answer, api_url)
    except (OSError, ConfigError) as exc:
        raise click.ClickException(f"cannot write the enrolment: {exc}") from None
    ranges = ", ".join(f"{r.category} {r.first:04d}-{r.last:04d}" for r in answer.ranges)
    if same:
        click.echo(f"already enrolled as {answer.device_id}: nothing changed")
    else:
        click.echo(f"enrolled as {answer.device_id} (county {answer.county_code}, point"
                   f" {answer.point}): {ranges}; config written to {path}")


def enrolment_of(config: Config) -> Enrolment | None:
    """The enrolment this machine holds already (its signed answer), if any."""
    try:
        return Enrolment.from_wire(json.loads(
            (config.data_dir / ENROLMENT_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _unchanged(config: Config, answer: Enrolment) -> bool:
    return (config.device.id == answer.device_id
            and config.receipt_key_path.exists()
            and config.receipt_key_path.read_text() == answer.receipt_public_key)


def _write(path: Path, existing: str | None, config: Config, answer: Enrolment,
           api_url: str) -> None:
    """Keys first, the signed answer, the config last: the config is what makes it count."""
    from kiosk.config_file import enrolled_config, write_config
    from kiosk.seal import PROVINCE_PUBLIC_KEY_FILE

    root = answer.trust_root_bytes()
    keys = config.keys_dir
    text = enrolled_config(
        existing, data_dir=config.data_dir, device_id=answer.device_id,
        county_code=answer.county_code, point=answer.point, base_url=api_url,
        ranges=[(r.category, r.first, r.last) for r in answer.ranges],
        trust_root=None if root is None else keys / TRUST_ROOT_FILE)
    enrolled = parse_config(text, str(path))
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(keys / PROVINCE_PUBLIC_KEY_FILE, answer.province_seal_public_key.encode())
    atomic_write(enrolled.receipt_key_path, answer.receipt_public_key.encode())
    if root is not None:
        atomic_write(keys / TRUST_ROOT_FILE, root)
    atomic_write(config.data_dir / ENROLMENT_FILE,
                 json.dumps(answer.to_wire(), ensure_ascii=False, indent=2).encode())
    write_config(path, text)
