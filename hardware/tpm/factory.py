"""Which key store a machine uses, by the URI in its config (`[devices] tpm`).

- `tpm:device:/dev/tpmrm0`: the machine's TPM through the kernel's resource manager (what a
  kiosk uses; several programs share it);
- `tpm:swtpm:host=127.0.0.1,port=2321`: a software TPM on a socket (tests, development);
- `file:`: DEVELOPMENT ONLY, plain files in the data dir; `kiosk.core.simulation` refuses it
  (and swtpm, whose state is a file too) on a real machine.
After `tpm:` comes a TCTI string as the TSS libraries take it ("device:PATH", "swtpm:...",
"mssim:...", "tabrmd:..."). tpm2-pytss is imported only for a `tpm:` URI, so file keys work
where it is not installed.
"""

from __future__ import annotations

from pathlib import Path

from hardware.tpm.protocol import KeyStore, TpmError

TCTI_NAMES = ("device", "swtpm", "mssim", "tabrmd")
EXAMPLE = "tpm:device:/dev/tpmrm0"


def tcti_of(uri: str) -> str:
    """The TCTI string of a `tpm:` URI; ValueError naming what a good one looks like."""
    scheme, _, tcti = uri.strip().partition(":")
    name = tcti.partition(":")[0]
    if scheme.lower() != "tpm" or name not in TCTI_NAMES:
        raise ValueError(f"{uri!r} is not a TPM URI (e.g. {EXAMPLE},"
                         " tpm:swtpm:host=127.0.0.1,port=2321, or file: under --simulate)")
    return tcti


def open_key_store(uri: str, keys_dir: Path) -> KeyStore:
    """The key store `uri` names, over the blobs or files of `keys_dir`. TpmError
    `tpm_unavailable` when the URI is empty or wrong or the TPM does not answer."""
    if uri.strip().lower() in ("file:", "file://"):
        from hardware.tpm.filekeys import FileKeyStore

        return FileKeyStore(keys_dir)
    if not uri.strip():
        raise TpmError("tpm_unavailable", f"no TPM configured: set devices.tpm, e.g. {EXAMPLE}")
    try:
        tcti = tcti_of(uri)
    except ValueError as exc:
        raise TpmError("tpm_unavailable", str(exc)) from None
    try:
        from hardware.tpm.esapi import TpmKeyStore
    except ImportError:
        raise TpmError("tpm_unavailable", "tpm2-pytss is not installed (pip install"
                       " '.[kiosk]', after scripts/setup.sh installs libtss2-dev)") from None
    return TpmKeyStore(uri, tcti, keys_dir)
