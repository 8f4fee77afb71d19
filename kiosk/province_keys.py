"""The province's public keys in force on this machine, from one place.

Records are sealed to the province's sealing key, and a record is let go only on a receipt
signed by its receipt key. Both come from the applied central bundle when it carries them
(`keys.sealing`, `keys.receipt`: the province rotates its keys through signed config), else
from the key files enrolment installed (kiosk.toml's `receipt_public_key`, the keys folder's
`province_x25519.pub.pem`). The bundle is asked on each use, so the kiosk's next record and the
uploader's next receipt follow a rotation without a restart. At a rotation:

- sealing: new records go to the bundle's `current` key; records already sealed stay sealed to
  the key they were sealed to (the province keeps that private key to open them). `next` only
  announces the coming key: nothing is sealed to it until it is `current`.
- receipts: the bundle's `current` and, during a rotation, its `next` both count, so receipts
  signed just before the province switches and just after are both proven. A receipt stored
  under a key that has since left the bundle no longer proves anything here: `kioskctl sync
  reconcile` asks the province for a fresh one (nothing is purged on it meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from central_api_client.config_bundle import BundleError, ConfigBundle
from central_api_client.opening import SealError, load_public_pem
from central_api_client.receipts import ReceiptKeys
from kiosk.config import Config
from kiosk.seal import PROVINCE_PUBLIC_KEY_FILE


def public_key(pem: str, kind: type, path: str) -> Any:
    """A bundle's PEM public key of the expected kind, or BundleError naming its path."""
    try:
        key = load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise BundleError(f"{path}: not a PEM public key") from None
    if not isinstance(key, kind):
        raise BundleError(f"{path}: not an {kind.__name__.removesuffix('PublicKey')} key")
    return key


def check_bundle_keys(bundle: ConfigBundle) -> None:
    """BundleError unless every key the bundle names is usable (sealing X25519, receipt
    Ed25519): a kiosk must refuse such a bundle, not apply it and then fail to seal."""
    for label, pair, kind in (("keys.sealing", bundle.sealing_key, X25519PublicKey),
                              ("keys.receipt", bundle.receipt_key, Ed25519PublicKey)):
        if pair is not None:
            public_key(pair.current, kind, f"{label}.current")
            if pair.next is not None:
                public_key(pair.next, kind, f"{label}.next")


class ProvinceKeys:
    """The sealing key and receipt keys in force. `bundle`: the bundle in force now (the
    kiosk's start gate's, re-read between candidates; or `central_config.live_bundle` in the
    uploader). Key files are read again only when they changed."""

    def __init__(self, config: Config, bundle: Callable[[], ConfigBundle | None]) -> None:
        self._config = config
        self._bundle = bundle
        self._files: dict[Path, tuple[tuple[int, int], Any]] = {}

    def sealing_key(self) -> X25519PublicKey:
        """Where the next record is sealed: the bundle's current key, else the keys folder's."""
        bundle = self._bundle()
        if bundle is not None and bundle.sealing_key is not None:
            key: X25519PublicKey = public_key(bundle.sealing_key.current, X25519PublicKey,
                                              "keys.sealing")
            return key
        key = self._file(self._config.keys_dir / PROVINCE_PUBLIC_KEY_FILE, X25519PublicKey)
        return key

    def receipt_keys(self) -> ReceiptKeys:
        """What a receipt may be signed by now. SealError when there is no key at all."""
        bundle = self._bundle()
        if bundle is not None and bundle.receipt_key is not None:
            pair = bundle.receipt_key
            pems = [pair.current] + ([pair.next] if pair.next else [])
            return ReceiptKeys(tuple(public_key(p, Ed25519PublicKey, "keys.receipt")
                                     for p in pems))
        path = self._config.receipt_key_path
        if not path.exists():
            raise SealError(f"no province receipt key at {path}: receipts cannot be verified")
        return ReceiptKeys((self._file(path, Ed25519PublicKey),))

    def verify(self, signature: bytes, data: bytes) -> None:
        """A receipt's signature, against the receipt keys in force now (a `ReceiptKey`)."""
        self.receipt_keys().verify(signature, data)

    def _file(self, path: Path, kind: type) -> Any:
        try:
            st = path.stat()
        except OSError:
            raise SealError(f"no province key at {path}") from None
        seen = (st.st_mtime_ns, st.st_ino)
        cached = self._files.get(path)
        if cached is None or cached[0] != seen:
            cached = (seen, load_public_pem(path, kind))
            self._files[path] = cached
        return cached[1]
