"""The central configuration's TUF repository on disk, as `kiosk-admin` keeps it.

    DIR/metadata/     served: N.root.json, N.targets.json, N.snapshot.json, timestamp.json
    DIR/targets/      served: <sha256>.kiosk-config.json (consistent snapshots)
    DIR/staging/      what waits for admins' signatures: root.json, targets.json, the bundle
    DIR/online-keys/  the timestamp and snapshot key (unencrypted: a timer signs with it)

Root and targets are signed by the admins (a threshold of them, each with their own offline
key, at different times and places): nothing a kiosk applies can come from one admin or from
the server alone. Staged metadata is published the moment its threshold is met (a rotated root
also needs the old root's threshold); snapshot and timestamp are then re-signed with the online
key. Written from python-tuf's examples/manual_repo/basic_repo.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from securesystemslib.signer import CryptoSigner, Key
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from central_api_client.files import atomic_write
from provisioning.admin.keys import load_signer, new_online_key

ONLINE_KEY = "online.key"
ONLINE_WARNING = """\
This folder holds the repository's ONLINE key: it signs timestamp.json and snapshot.json, so a
timer can renew them. It cannot publish configuration on its own (targets and root need a
threshold of admins), but whoever holds it can freeze the kiosks' view until the timestamp
expires. Keep it on the publishing server only, owner-readable, and never copy it elsewhere.
"""
ROOT_DAYS = 365


class RepositoryError(Exception):
    """What an admin must know to act: the folder, the role, the signatures missing."""


def utc_in(delta: timedelta) -> datetime:
    """Expiry as TUF wants it: timezone-aware UTC without microseconds."""
    return (datetime.now(UTC) + delta).replace(microsecond=0)


class Repository:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.metadata = path / "metadata"
        self.targets = path / "targets"
        self.staging = path / "staging"
        self.online_keys = path / "online-keys"

    # -- reading ----------------------------------------------------------------------------

    def _latest(self, role: str) -> Metadata | None:
        versions = [int(p.name.split(".")[0]) for p in self.metadata.glob(f"*.{role}.json")]
        if not versions:
            return None
        return Metadata.from_file(str(self.metadata / f"{max(versions)}.{role}.json"))

    def root(self) -> Metadata[Root] | None:
        """The root in force (the newest published), None before the first is signed."""
        return self._latest("root")

    def published_targets(self) -> Metadata[Targets] | None:
        return self._latest("targets")

    def staged(self, role: str) -> Metadata | None:
        path = self.staging / f"{role}.json"
        return Metadata.from_file(str(path)) if path.exists() else None

    def _write(self, path: Path, md: Metadata) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, md.to_bytes(JSONSerializer(compact=False)), mode=0o644)

    def online_signer(self) -> CryptoSigner:
        return load_signer(self.online_keys / ONLINE_KEY, None)

    # -- the admins' work -------------------------------------------------------------------

    def init(self, root_keys: Sequence[Key], threshold: int) -> None:
        """Stage root v1 (the admins' keys sign root and targets, `threshold` of them) and an
        empty targets v1; make the online key."""
        if self.metadata.exists() or self.staging.exists():
            raise RepositoryError(f"{self.path} already holds a repository")
        _check_threshold(root_keys, threshold)
        self.online_keys.mkdir(parents=True, mode=0o700)
        (self.online_keys / "README.txt").write_text(ONLINE_WARNING, encoding="utf-8")
        online = new_online_key(self.online_keys / ONLINE_KEY)
        root = Metadata(Root(expires=utc_in(timedelta(days=ROOT_DAYS))))
        for role in ("timestamp", "snapshot"):
            root.signed.add_key(online.public_key, role)
        _set_admins(root.signed, root_keys, threshold)
        self._write(self.staging / "root.json", root)
        self._write(self.staging / "targets.json",
                    Metadata(Targets(expires=utc_in(timedelta(days=ROOT_DAYS)))))

    def rotate_root(self, root_keys: Sequence[Key], threshold: int) -> int:
        """Stage root vN+1 with these admins and threshold, and targets re-signed by them
        (the same content): published when both the old and the new threshold signed."""
        current = self.root()
        if current is None:
            raise RepositoryError("no published root to rotate: sign the first one first")
        _check_threshold(root_keys, threshold)
        new = Metadata.from_bytes(current.to_bytes())
        new.signatures.clear()
        new.signed.version += 1
        new.signed.expires = utc_in(timedelta(days=ROOT_DAYS))
        _set_admins(new.signed, root_keys, threshold)
        self._write(self.staging / "root.json", new)
        targets = self.staged("targets") or self.published_targets()
        assert targets is not None
        if self.staged("targets") is None:
            targets.signed.version += 1
        targets.signatures.clear()
        self._write(self.staging / "targets.json", targets)
        return new.signed.version

    def stage_bundle(self, name: str, data: bytes, expires: datetime) -> int:
        """Stage targets naming `data` as target `name`, expiring with the bundle; returns the
        targets version (the bundle's version too: both only ever grow)."""
        if self.staged("root") is not None and self.root() is None:
            raise RepositoryError("the first root is not signed yet: `repo sign` it first")
        published = self.published_targets()
        targets = self.staged("targets") or published
        if targets is None:
            raise RepositoryError(f"{self.path} is not a repository: run `repo init`")
        targets.signatures.clear()
        targets.signed.version = (published.signed.version if published else 0) + 1
        targets.signed.expires = expires
        targets.signed.targets[name] = TargetFile.from_data(name, data)
        atomic_write(self.staging / name, data, mode=0o644)
        self._write(self.staging / "targets.json", targets)
        return targets.signed.version

    def next_version(self) -> int:
        published = self.published_targets()
        return (published.signed.version if published else 0) + 1

    def sign(self, signer: CryptoSigner) -> list[str]:
        """Add this admin's signature to whatever is staged that their key may sign."""
        signed = []
        for role in ("root", "targets"):
            md = self.staged(role)
            if md is None or signer.public_key.keyid in md.signatures:
                continue
            if signer.public_key.keyid not in self._signers_of(role, md):
                continue
            md.sign(signer, append=True)
            self._write(self.staging / f"{role}.json", md)
            signed.append(role)
        if not signed and not any(self.staged(r) for r in ("root", "targets")):
            raise RepositoryError("nothing is waiting for signatures")
        return signed

    def _signers_of(self, role: str, md: Metadata) -> set[str]:
        roots = [r for r in (self.root(), self.staged("root")) if r is not None]
        if role == "root":
            return {k for r in roots for k in r.signed.roles["root"].keyids}
        return set(roots[-1].signed.roles["targets"].keyids) if roots else set()

    def missing(self) -> dict[str, str]:
        """Per staged role, the signatures still missing in words ('' when complete)."""
        out = {}
        trusted = self.root()
        root = self.staged("root")
        if root is not None:
            gaps = [_gap("new root", root.signed, root)]
            if trusted is not None:
                gaps.insert(0, _gap("old root", trusted.signed, root))
            out["root"] = "; ".join(g for g in gaps if g)
        targets = self.staged("targets")
        if targets is not None:
            in_force = root.signed if root is not None else trusted.signed if trusted else None
            out["targets"] = _gap("targets", in_force, targets) if in_force else "no root"
        return out

    def publish_ready(self) -> list[str]:
        """Publish what met its thresholds (root first; a new root waits for its targets when
        it changes who signs them, so kiosks never see a root without targets to match)."""
        missing, done = self.missing(), list[str]()
        root, targets = self.staged("root"), self.staged("targets")
        if root is not None and not missing["root"]:
            if targets is not None and missing.get("targets"):
                return done
            self._write(self.metadata / f"{root.signed.version}.root.json", root)
            (self.staging / "root.json").unlink()
            done.append(f"root v{root.signed.version}")
        if targets is not None and not missing.get("targets") and self.staged("root") is None:
            self.targets.mkdir(parents=True, exist_ok=True)
            for name, info in targets.signed.targets.items():
                staged = self.staging / name
                if staged.exists():
                    digest = info.hashes["sha256"]
                    atomic_write(self.targets / f"{digest}.{name}", staged.read_bytes(), mode=0o644)
                    staged.unlink()
            self._write(self.metadata / f"{targets.signed.version}.targets.json", targets)
            (self.staging / "targets.json").unlink()
            done.append(f"targets v{targets.signed.version}")
            self._snapshot(targets)
        return done

    # -- the online key's work --------------------------------------------------------------

    def _snapshot(self, targets: Metadata[Targets]) -> None:
        snapshot = self._latest("snapshot")
        version = snapshot.signed.version + 1 if snapshot else 1
        new = Metadata(Snapshot(version=version, expires=targets.signed.expires))
        new.signed.meta["targets.json"] = MetaFile(version=targets.signed.version)
        new.sign(self.online_signer())
        self._write(self.metadata / f"{version}.snapshot.json", new)
        self.timestamp(timedelta(days=1))

    def timestamp(self, valid_for: timedelta) -> int:
        """Re-sign timestamp.json (a new version) for the newest snapshot."""
        snapshot = self._latest("snapshot")
        if snapshot is None:
            raise RepositoryError("nothing published yet: admins must sign the first root")
        old = self.metadata / "timestamp.json"
        version = Metadata.from_file(str(old)).signed.version + 1 if old.exists() else 1
        ts = Metadata(Timestamp(version=version, expires=utc_in(valid_for)))
        ts.signed.snapshot_meta = MetaFile(version=snapshot.signed.version)
        ts.sign(self.online_signer())
        self._write(old, ts)
        return version


def _check_threshold(keys: Sequence[Key], threshold: int) -> None:
    if len({k.keyid for k in keys}) != len(keys):
        raise RepositoryError("the same key is given twice")
    if not 1 <= threshold <= len(keys):
        raise RepositoryError(f"threshold {threshold}: must be 1..{len(keys)} (the keys given)")


def _set_admins(root: Root, keys: Sequence[Key], threshold: int) -> None:
    """The admins' keys sign root and targets, `threshold` of them; other keys go."""
    for role in ("root", "targets"):
        for keyid in list(root.roles[role].keyids):
            root.revoke_key(keyid, role)
        for key in keys:
            root.add_key(key, role)
        root.roles[role].threshold = threshold


def _gap(what: str, delegator: Root, md: Metadata) -> str:
    role = md.signed.type
    result = delegator.get_verification_result(role, md.signed_bytes, md.signatures)
    if result.verified:
        return ""
    return f"{what}: {len(result.signed)} of {result.threshold} signatures"
