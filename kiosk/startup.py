"""What every program of the machine does first: make its files owner-only, and refuse to run a
real machine on simulators or development keys.

The kiosk, the uploader and `kioskctl` share one data dir holding the outbox, keys and the
ID-number secret. Owner-only (directories 0700, files 0600) is set once here, for each program:
the umask, so whatever the program creates from now on (SQLite's -wal and -shm files, keys,
export bundles) is born owner-only, and a pass over the data dir that repairs what an older
program left readable. The rule of what a real machine may not use is `kiosk.core.simulation`;
`check_real_machine` applies it to this machine's config and key files. `--simulate` (or
`KIOSK_SIMULATE=1` for the uploader and `kioskctl`) is the only way past it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from kiosk.config import DEFAULT_CONFIG_PATH, Config
from kiosk.core.simulation import real_machine_refusals, refusal_message

OWNER_ONLY_UMASK = 0o077
SIMULATE_ENV = "KIOSK_SIMULATE"


class RealMachineRefused(Exception):
    """A program started without `--simulate` found a simulator or a development key."""


def simulate_from_env() -> bool:
    """`KIOSK_SIMULATE=1` (or true/yes): the same as `--simulate` for the uploader and kioskctl."""
    return os.environ.get(SIMULATE_ENV, "").strip().lower() in ("1", "true", "yes")


def owner_only(data_dir: Path) -> None:
    """Set the owner-only umask for this process, create `data_dir` 0700 if missing, and take
    group and other permissions off everything already in it (symlinks are left alone)."""
    os.umask(OWNER_ONLY_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _restrict(data_dir)
    for root, dirs, files in os.walk(data_dir):
        for name in (*dirs, *files):
            _restrict(Path(root) / name)


def _restrict(path: Path) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or not stat.S_IMODE(st.st_mode) & 0o077:
            return
        os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
    except FileNotFoundError:  # removed meanwhile by another program (an atomic write's temp)
        pass


def key_files(config: Config) -> list[Path]:
    """Every key file this machine's programs would load: the keys dir, the receipt key and
    the staff CA of `[staff] ca` (a development one is refused like a development key)."""
    found = sorted(config.keys_dir.iterdir()) if config.keys_dir.is_dir() else []
    if config.receipt_key_path.exists() and config.receipt_key_path not in found:
        found.append(config.receipt_key_path)
    if config.staff.ca:
        found.append(Path(config.staff.ca).expanduser())
    return found


def check_real_machine(config: Config, program: str, *, simulate: bool,
                       devices: Mapping[str, str] | Iterable[str] = (), keys: bool = False,
                       way_out: str = "") -> None:
    """Refuse (RealMachineRefused, with every setting to fix) a simulated or unconfigured device
    among `devices` (names of `config.devices`, or name -> the URI given on the command line)
    and, with `keys`, any development key and a key store that is not a TPM (`devices.tpm`
    empty, `file:` or a software TPM), unless `simulate`."""
    if simulate:
        return
    uris = dict(devices) if isinstance(devices, Mapping) else {
        name: getattr(config.devices, name) for name in devices}
    if keys:
        uris.setdefault("tpm", config.devices.tpm)
    source = config.source if config.source != "built-in defaults" else str(DEFAULT_CONFIG_PATH)
    refusals = real_machine_refusals(uris, key_files(config) if keys else (), source)
    if refusals:
        raise RealMachineRefused(refusal_message(program, refusals, way_out))
