"""Admins' signing keys: one passphrase-protected Ed25519 private key file per admin, and its
public key as PEM, which is all a repository needs to list that admin as a signer.

Each admin makes their own key on their own machine; no key is ever shared, so "a threshold of
admins" means a threshold of people. Passphrases come from a prompt or a file (tests, scripts)
and are never printed, logged or written anywhere.
"""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from securesystemslib.signer import CryptoSigner, SSlibKey

from central_api_client.files import atomic_write


class KeyFileError(Exception):
    """A key file that cannot be used, with the file and the reason (never the passphrase)."""


def passphrase_from(path: Path | None, *, confirm: bool, what: str) -> bytes:
    """The passphrase in the first line of `path`, else asked (hidden) on the terminal."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise click.ClickException(f"{path}: cannot read: {exc.strerror}") from None
        phrase = text[0] if text else ""
    else:
        phrase = click.prompt(f"passphrase for {what}", hide_input=True,
                              confirmation_prompt=confirm, err=True)
    if len(phrase) < 8:
        raise click.ClickException("the passphrase must have at least 8 characters")
    return phrase.encode("utf-8")


def write_new_key(folder: Path, name: str, passphrase: bytes) -> tuple[Path, Path]:
    """NAME.key (owner-only, encrypted PKCS#8) and NAME.pub (PEM); refuses to overwrite."""
    private, public = folder / f"{name}.key", folder / f"{name}.pub"
    if private.exists() or public.exists():
        raise KeyFileError(f"{private} or {public} exists already: choose another name")
    key = Ed25519PrivateKey.generate()
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(passphrase))
    atomic_write(private, encrypted, mode=0o600, keep_existing=True)
    atomic_write(public, public_pem(key.public_key()), mode=0o644, keep_existing=True)
    return private, public


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public(path: Path) -> SSlibKey:
    """An admin's public key file as the TUF key it stands for (its keyid is a hash of it)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError:
        raise KeyFileError(f"{path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path}: not an Ed25519 key")
    return SSlibKey.from_crypto(key)


def load_signer(path: Path, passphrase: bytes | None) -> CryptoSigner:
    """A signer from a private key file; `passphrase` None for the repository's online key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), passphrase)
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read: {exc.strerror}") from None
    except (ValueError, TypeError):
        raise KeyFileError(f"{path}: wrong passphrase or not a private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key")
    return CryptoSigner(key, SSlibKey.from_crypto(key.public_key()))


def new_online_key(path: Path) -> CryptoSigner:
    """The repository's online key (timestamp and snapshot), unencrypted so a timer can sign."""
    key = Ed25519PrivateKey.generate()
    atomic_write(path, key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()), mode=0o600)
    return CryptoSigner(key, SSlibKey.from_crypto(key.public_key()))


@click.group()
def keys() -> None:
    """Each admin's own signing key."""


@keys.command("new")
@click.argument("name")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Where to write NAME.key and NAME.pub.")
@click.option("--passphrase-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the passphrase from this file's first line instead of asking.")
def keys_new(name: str, folder: Path, passphrase_file: Path | None) -> None:
    """Make NAME.key (private, passphrase-protected) and NAME.pub (give this to the others)."""
    if not name.replace("-", "").replace("_", "").isalnum():
        raise click.ClickException("NAME: letters, digits, '-' and '_' only")
    folder.mkdir(parents=True, exist_ok=True)
    phrase = passphrase_from(passphrase_file, confirm=True, what=f"the new key {name}")
    try:
        private, public = write_new_key(folder, name, phrase)
    except KeyFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"private key: {private} (keep it to yourself; it is encrypted with your "
               f"passphrase)\npublic key:  {public} (keyid {load_public(public).keyid[:16]})")
