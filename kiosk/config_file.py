"""Writing the machine's TOML after enrolment: what enrolment decides, over what was there.

Enrolment owns `[device]` (id, county, point), `[sequence]` (the ranges per category) and
`[api]` (the base URL); every other setting a technician wrote (device URIs, the photo
standard, the display) is kept as it was. The standard library reads TOML but does not write
it, and the config holds only strings, numbers, booleans, arrays and one level of tables, so a
small writer is enough; comments of an older file are not kept. The text is checked by the
kiosk's own parser before it is written (atomically, `central_api_client.files`), so a machine
is never left with a config its programs refuse.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from central_api_client.files import atomic_write
from kiosk.config import ConfigError, parse_config


def enrolled_config(existing: str | None, *, data_dir: Path, device_id: str, county_code: str,
                    point: str, base_url: str,
                    ranges: Iterable[tuple[str, int, int]],
                    trust_root: Path | None = None) -> str:
    """The new config text: `existing` (None: no file yet) with enrolment's settings.
    `trust_root`: the signed configuration's TUF root the province sent, installed there; the
    province serves that repository beside its API (`/tuf`)."""
    data: dict[str, Any] = tomllib.loads(existing) if existing else {}
    data["data_dir"] = str(data_dir)
    device = data.setdefault("device", {})
    device.update(id=device_id, county_code=county_code, point=point)
    ranges = list(ranges)
    sequence = data.setdefault("sequence", {})
    sequence["ranges"] = {category: [first, last] for category, first, last in ranges}
    if sequence.get("category") not in {r[0] for r in ranges}:
        sequence.pop("category", None)  # a category of a former enrolment: the first one now
    api = data.setdefault("api", {})
    api["base_url"] = base_url.rstrip("/")
    api.pop("receipt_public_key", None)  # enrolment writes it where the default looks
    if trust_root is not None:
        data.setdefault("config", {}).update(trust_root=str(trust_root),
                                             repository_url=f"{api['base_url']}/tuf")
    return render(data)


def write_config(path: Path, text: str) -> None:
    """Check `text` with the kiosk's own parser, then replace `path` with it atomically."""
    try:
        parse_config(text, str(path))
    except ConfigError as exc:
        raise ConfigError(f"the enrolled configuration would be refused: {exc}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"), mode=0o644)


def render(data: dict[str, Any]) -> str:
    """TOML for a config: top-level values, then one `[table]` each (nested tables inline)."""
    lines = [f"{key} = {_value(value)}" for key, value in data.items()
             if not isinstance(value, dict)]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{_key(key)}]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):  # JSON's escapes are TOML basic string escapes
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
