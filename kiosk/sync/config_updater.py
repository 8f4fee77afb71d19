"""The kiosk's config updater: one TUF refresh, and the bundle it yields written into place.

python-tuf's ngclient does the checking (rollback, freeze, tampered files, too few signatures)
from the root installed at enrolment (`[config] trust_root`, passed as `bootstrap`). The bundle
is then checked as the kiosk will apply it, and only then replaces `current.json` atomically;
anything refused leaves the last good bundle in force. The kiosk reads `current.json` between
candidates (kiosk.central_config), so an update never changes a session under way. Every
outcome is recorded with a code that says in words what happened: a rollback, a frozen
repository and an unplugged cable need different people to act.
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root
from tuf.ngclient import Updater, Urllib3Fetcher

from central_api_client.config_bundle import TARGET_NAME, BundleError, parse_bundle
from central_api_client.files import atomic_write
from central_api_client.logs import LogEvent, event
from kiosk.central_config import applicable, central_dir, current_bundle
from kiosk.config import Config

log = logging.getLogger("kiosk.config")
STATUS_FILE = "status.json"


@dataclass(frozen=True)
class UpdateResult:
    code: str  # a key of kiosk.core.texts.CONFIG_UPDATE
    detail: str = ""  # the technical reason, for support (no secrets in it)
    version: int | None = None  # the bundle in force afterwards

    @property
    def ok(self) -> bool:
        return self.code in ("ok", "no_bundle")


class _RecordingFetcher(Urllib3Fetcher):
    """Keeps the last file fetched, so a signature failure can be told apart: signatures
    present but not verifying (bad signature) or too few of them (below the threshold)."""

    last: bytes | None = None

    def fetch(self, url: str) -> Iterator[bytes]:
        chunks: list[bytes] = []
        for chunk in super().fetch(url):
            chunks.append(chunk)
            yield chunk
        self.last = b"".join(chunks)


def update_once(config: Config, now: datetime | None = None) -> UpdateResult:
    """Refresh once and apply what is new; the outcome is also written to the status file."""
    folder = central_dir(config)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / ".lock", "w") as lock:  # `kioskctl config update` beside the timer
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = _update(config, folder, now or datetime.now(UTC))
        _record(folder, result, now or datetime.now(UTC))
    if result.ok:
        event(log, LogEvent.CONFIG_APPLIED, code=result.code, version=result.version)
    else:
        event(log, LogEvent.CONFIG_REFUSED, level=logging.WARNING, code=result.code,
              detail=result.detail)
    return result


def _update(config: Config, folder: Path, now: datetime) -> UpdateResult:
    c = config.config
    held = current_bundle(config)
    held_version = held.version if held else None
    if not c.trust_root:
        return UpdateResult("not_configured", version=held_version)
    try:
        bootstrap = Path(c.trust_root).expanduser().read_bytes()
    except OSError as exc:
        return UpdateResult("not_configured", f"trust root: {exc.strerror}", held_version)
    metadata_dir, target_dir = folder / "tuf" / "metadata", folder / "tuf" / "targets"
    metadata_dir.mkdir(parents=True, exist_ok=True)
    target_dir.mkdir(parents=True, exist_ok=True)
    base = c.repository_url.rstrip("/")
    fetcher = _RecordingFetcher(socket_timeout=10)
    try:
        updater = Updater(str(metadata_dir), f"{base}/metadata/", str(target_dir),
                          f"{base}/targets/", fetcher=fetcher, bootstrap=bootstrap)
        updater.refresh()
        info = updater.get_targetinfo(TARGET_NAME)
        if info is None:
            return UpdateResult("no_bundle", version=held_version)
        path = updater.find_cached_target(info) or updater.download_target(info)
    except tuf_errors.UnsignedMetadataError as exc:
        code = _signature_failure(fetcher.last, metadata_dir / "root.json")
        return UpdateResult(code, str(exc), held_version)
    except tuf_errors.DownloadError as exc:
        return UpdateResult("unreachable", f"{type(exc).__name__}: {exc}", held_version)
    except tuf_errors.RepositoryError as exc:
        return UpdateResult(_REPOSITORY_CODES.get(type(exc), "rejected"),
                            f"{type(exc).__name__}: {exc}", held_version)
    try:
        data = Path(path).read_bytes()
        bundle = applicable(parse_bundle(data))
    except (OSError, BundleError) as exc:
        return UpdateResult("invalid_bundle", str(exc), held_version)
    if held is not None and bundle.version < held.version:
        return UpdateResult("rollback", f"offered v{bundle.version}, hold v{held.version}",
                            held_version)
    if bundle.expires <= now:
        return UpdateResult("expired", f"bundle v{bundle.version} expired", held_version)
    if held is None or bundle.version > held.version:
        atomic_write(folder / "current.json", data, mode=0o600)
    return UpdateResult("ok", version=bundle.version)


_REPOSITORY_CODES: dict[type, str] = {
    tuf_errors.BadVersionNumberError: "rollback",
    tuf_errors.EqualVersionNumberError: "rollback",
    tuf_errors.ExpiredMetadataError: "expired",
    tuf_errors.LengthOrHashMismatchError: "tampered",
}


def _signature_failure(served: bytes | None, trusted_root: Path) -> str:
    """'bad_signature' when the file carried enough signatures from keys the root names but
    they do not verify (altered or forged); else 'too_few_signatures' (below the threshold)."""
    try:
        md: Metadata[Any] = Metadata.from_bytes(served or b"")
        root: Metadata[Root] = Metadata.from_file(str(trusted_root))
    except Exception:  # noqa: BLE001 - a file that does not even parse was not signed as is
        return "bad_signature"
    role = md.signed.type
    delegators = [root.signed] + ([md.signed] if isinstance(md.signed, Root) else [])
    for delegator in delegators:
        keyids = set(delegator.roles[role].keyids)
        present = sum(1 for keyid in md.signatures if keyid in keyids)
        result = delegator.get_verification_result(role, md.signed_bytes, md.signatures)
        if not result.verified:
            return "bad_signature" if present >= result.threshold else "too_few_signatures"
    return "bad_signature"


def _record(folder: Path, result: UpdateResult, now: datetime) -> None:
    status = read_update_status(folder)
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status.update(checked_at=stamp, code=result.code, detail=result.detail)
    if result.ok:
        status["last_ok_at"] = stamp
    else:
        status["last_refusal"] = {"code": result.code, "detail": result.detail, "at": stamp}
    atomic_write(folder / STATUS_FILE, json.dumps(status, indent=2).encode(), mode=0o600)


def read_update_status(folder: Path) -> dict[str, Any]:
    """The last outcome as recorded ({} before the first check)."""
    try:
        data = json.loads((folder / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
