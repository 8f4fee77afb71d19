"""What a real machine must never run with: simulated devices and development keys.

A simulator is a convenience for development, demos and tests, and a hazard on a kiosk in a
registration point: the simulated printer keeps every login card (name, initial password) as a
PNG in the data dir, and a development province key lets the machine (or whoever takes it)
decrypt its own records. So everything simulated or made for development is allowed only
when the program was started with `--simulate`; a real machine refuses to start instead, naming
the setting to fix. This module is the rule; `kiosk.startup` applies it to a machine.

Which URIs are simulated: the scheme `sim` (`sim://`, `sim:///face.jpg?fps=5`), and for the key
store (`devices.tpm`) the development files `file:` and a software TPM `tpm:swtpm:...`: both
keep the device key and the ID-number secret in files, so a copied disk is a copied kiosk,
which is what a TPM (`tpm:device:/dev/tpmrm0`) prevents. Which key files
are development keys: the ones the development tools make, named with a `dev` part
(`province_x25519.dev-private.pem`, `receipt_ed25519.dev.pub.pem`): a name part that is `dev`
or starts with `dev-`, between dots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

SIMULATED_SCHEMES = frozenset({"sim", "file"})
SIMULATED_PREFIXES = ("tpm:swtpm:",)  # a software TPM: its state is a file on the same disk
DEVICES = ("idcard", "camera", "printer", "light")  # the device URIs a kiosk must name
# What a real machine names instead, per device: said in the refusal so it says what to do.
REAL_URI_EXAMPLES = {
    "idcard": "ga467:///dev/ttyUSB0",
    "camera": "v4l2:///dev/video0",
    "printer": "escpos-tcp://HOST:9100, escpos-usb://VID:PID or escpos-serial:///dev/ttyS0",
    "light": "usbrelay://16c0:05df?channel=1, or none:// without a fill light",
    "tpm": "tpm:device:/dev/tpmrm0",
}
# What a simulated URI means, where "is a simulator" does not say enough.
SIMULATED_PROBLEMS = {
    "tpm": "keeps the device key and the ID-number secret in files (development keys), so a"
           " copied disk is a copied kiosk",
}


def uri_scheme(uri: str) -> str:
    """The scheme of a device URI, lower case; "" when it has none."""
    scheme, sep, _ = uri.strip().partition(":")
    return scheme.lower() if sep else ""


def is_simulated_device(uri: str) -> bool:
    """True for a URI that names a simulator rather than a device."""
    return uri_scheme(uri) in SIMULATED_SCHEMES or uri.strip().lower().startswith(
        SIMULATED_PREFIXES)


def is_development_key(path: str | PurePath) -> bool:
    """True for a key file that development tools made (by its name, see the module doc)."""
    parts = PurePath(path).name.lower().split(".")[1:]  # the stem before the first dot is free
    return any(part == "dev" or part.startswith("dev-") for part in parts)


@dataclass(frozen=True)
class Refusal:
    """One reason a program will not run on a real machine: the setting and what to do."""

    setting: str  # e.g. "devices.printer", or a key file's path
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.problem}; {self.fix}"


def real_machine_refusals(devices: Mapping[str, str], key_files: Iterable[str | PurePath],
                          config_source: str = "the machine's config") -> list[Refusal]:
    """Everything in `devices` (name -> URI) and `key_files` that a real machine may not use.

    An empty URI is refused too: the defaults are simulators, which apply only under
    `--simulate`, so a real machine must name each device it opens.
    """
    refusals: list[Refusal] = []
    for name, uri in devices.items():
        real = REAL_URI_EXAMPLES.get(name, "the real device's URI")
        if not uri.strip():
            refusals.append(Refusal(f"devices.{name}", "not configured",
                                    f"name the device in {config_source}, e.g. {real}"))
        elif is_simulated_device(uri):
            problem = SIMULATED_PROBLEMS.get(name, "is a simulator")
            refusals.append(Refusal(f"devices.{name}", f"{uri!r} {problem}",
                                    f"name the real device in {config_source}, e.g. {real}"))
    for path in key_files:
        if is_development_key(path):
            refusals.append(Refusal(
                str(path), "a development key (made by a --simulate run or a development"
                " server)", "remove it and install the province's key (enrolment)"))
    return refusals


def refusal_message(program: str, refusals: Iterable[Refusal], way_out: str = "") -> str:
    """One message for all the refusals, ending with the way out for development."""
    lines = [f"{program} refuses to run on a real machine with simulators or development keys:"]
    lines += [f"  - {refusal}" for refusal in refusals]
    lines.append(f"  (for development, demos and tests only: {way_out or program + ' --simulate'})")
    return "\n".join(lines)
