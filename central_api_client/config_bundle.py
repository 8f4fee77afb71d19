"""The central configuration bundle: the one file admins publish (through TUF) and kiosks apply.

It crosses a wire (admin machine -> repository -> kiosk), so it lives in the contract, with one
strict parser shared by `kiosk-admin config publish` (which refuses a bad bundle before anyone
signs it) and the kiosk's updater (which refuses one that slipped through). Strict means: every
key known, every type exact (a bool is not a number), every unknown key an error naming its path;
a kiosk must never half-apply a bundle it misread. What the fields mean for a session (windows,
pauses, expiry) is decided in `kiosk.core.schedule`; this module only says what is well formed.
Step names and photo figure names are checked against the kiosk's own tables by the publisher
and the kiosk (the contract does not know them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

FORMAT = "hunan-exam-kiosk/config/v1"
TARGET_NAME = "kiosk-config.json"  # the TUF target the bundle is published as
ON_EXPIRED = ("stop", "keep")  # an expired bundle: no new sessions, or go on with staff told

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z")
_AREA = re.compile(r"[0-9]{2,6}\Z")  # an administrative code or its prefix (43, 4301, 430102)
_HOURS = re.compile(r"([0-2][0-9]):([0-5][0-9])-([0-2][0-9]):([0-5][0-9])\Z")
_MAX_TEXT = 500
_MAX_PEM = 20_000

PhotoValue = int | float | tuple[tuple[int, int, int], ...]


class BundleError(ValueError):
    """A bundle that cannot be used; the message starts with the path of the offending key."""


@dataclass(frozen=True)
class Text:
    """A sentence in every language the kiosk offers (both required, as in kiosk.core.texts)."""

    zh: str
    en: str


@dataclass(frozen=True)
class Window:
    """Days (inclusive, China time), daily hours ((start, end) pairs, end exclusive) and an
    audience: card address code prefixes; empty means every candidate."""

    first_day: date
    last_day: date
    hours: tuple[tuple[time, time], ...]
    audience: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkflowSpec:
    """A workflow's steps, and its windows; no windows means open at all hours."""

    steps: tuple[str, ...]
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class KeyPair:
    """A province public key (PEM) in force, and the one that replaces it at rotation."""

    current: str
    next: str | None = None


@dataclass(frozen=True)
class Freeze:
    """What a kiosk does when no newer bundle arrives. `freeze_after_days`: days past `expires`
    the bundle is still applied; then `on_expired` ("stop": no new sessions; "keep": go on, staff
    alerted). `stale_after_hours`: no successful check for this long is a staff alert."""

    freeze_after_days: float = 0.0
    on_expired: str = "stop"
    stale_after_hours: float = 24.0


@dataclass(frozen=True)
class Pauses:
    """A province-wide pause and pauses per area code prefix (a county, a city), each with the
    message candidates read. No entry: not paused."""

    province: Text | None = None
    areas: Mapping[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigBundle:
    version: int
    expires: datetime
    workflows: Mapping[str, WorkflowSpec]
    photo: Mapping[str, PhotoValue] = field(default_factory=dict)
    notices: Mapping[str, Text] = field(default_factory=dict)
    staff_ca: str | None = None
    sealing_key: KeyPair | None = None
    receipt_key: KeyPair | None = None
    retention_days: float = 30.0
    freeze: Freeze = field(default_factory=Freeze)
    pause: Pauses = field(default_factory=Pauses)


# -- parsing ------------------------------------------------------------------------------------


def parse_bundle(data: bytes) -> ConfigBundle:
    """The bundle in `data` (UTF-8 JSON), or BundleError saying what is wrong and where."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"bundle: not UTF-8 JSON ({exc})") from None
    return bundle_from_dict(obj)


def bundle_from_dict(obj: Any) -> ConfigBundle:
    d = _table(obj, "bundle", required={"format", "version", "expires", "workflows"},
               optional={"photo", "notices", "staff_ca", "keys", "retention_days", "freeze",
                         "pause"})
    if d["format"] != FORMAT:
        raise BundleError(f"format: expected {FORMAT!r}")
    workflows = {name: _workflow(v, f"workflows.{name}")
                 for name, v in _named(d["workflows"], "workflows", _NAME).items()}
    if not workflows:
        raise BundleError("workflows: at least one")
    keys = _table(d.get("keys", {}), "keys", optional={"sealing", "receipt"})
    return ConfigBundle(
        version=_int(d["version"], "version", 1),
        expires=_instant(d["expires"], "expires"),
        workflows=workflows,
        photo={k: _photo_value(v, f"photo.{k}")
               for k, v in _named(d.get("photo", {}), "photo", _NAME).items()},
        notices={k: _text(v, f"notices.{k}")
                 for k, v in _named(d.get("notices", {}), "notices", _NAME).items()},
        staff_ca=None if d.get("staff_ca") is None else _pem(d["staff_ca"], "staff_ca"),
        sealing_key=_key_pair(keys["sealing"], "keys.sealing") if "sealing" in keys else None,
        receipt_key=_key_pair(keys["receipt"], "keys.receipt") if "receipt" in keys else None,
        retention_days=_number(d.get("retention_days", 30.0), "retention_days", 0.0, 3650.0),
        freeze=_freeze(d.get("freeze", {})),
        pause=_pauses(d.get("pause", {})),
    )


def _table(obj: Any, path: str, required: Collection[str] = (),
           optional: Collection[str] = ()) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise BundleError(f"{path}: must be a table")
    for key in obj:
        if key not in required and key not in optional:
            raise BundleError(f"{path}.{key}: unknown key")
    for key in sorted(required):
        if key not in obj:
            raise BundleError(f"{path}.{key}: missing")
    return obj


def _named(obj: Any, path: str, pattern: re.Pattern[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise BundleError(f"{path}: must be a table")
    for key in obj:
        if not isinstance(key, str) or not pattern.match(key):
            raise BundleError(f"{path}.{key}: not a valid name")
    return obj


def _int(v: Any, path: str, low: int, high: int = 2**53) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
        raise BundleError(f"{path}: expected an integer {low}..{high}")
    return v


def _number(v: Any, path: str, low: float, high: float) -> float:
    if not isinstance(v, int | float) or isinstance(v, bool) or not low <= v <= high:
        raise BundleError(f"{path}: expected a number {low:g}..{high:g}")
    return float(v)


def _str(v: Any, path: str, limit: int) -> str:
    if not isinstance(v, str) or not v.strip() or len(v) > limit:
        raise BundleError(f"{path}: expected a non-empty string of at most {limit} characters")
    return v


def _instant(v: Any, path: str) -> datetime:
    s = _str(v, path, 40)
    try:
        when = datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise BundleError(f"{path}: expected UTC time as YYYY-MM-DDTHH:MM:SSZ") from None
    return when.replace(tzinfo=UTC)


def _day(v: Any, path: str) -> date:
    s = _str(v, path, 10)
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
            raise ValueError(s)
        return datetime.strptime(s, "%Y-%m-%d").date()
    except ValueError:
        raise BundleError(f"{path}: expected a date YYYY-MM-DD") from None


def _hours(v: Any, path: str) -> tuple[time, time]:
    m = _HOURS.match(_str(v, path, 11))
    if not m:
        raise BundleError(f"{path}: expected hours as HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or (h2 == 24 and m2) or (h1, m1) >= (h2, m2):
        raise BundleError(f"{path}: the hours must start before they end, within one day")
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    return time(h1, m1), end


def _areas(v: Any, path: str) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(a, str) and _AREA.match(a) for a in v):
        raise BundleError(f"{path}: expected a list of area codes (2-6 digits)")
    return tuple(v)


def _window(obj: Any, path: str) -> Window:
    d = _table(obj, path, required={"from", "to", "hours"}, optional={"audience"})
    first, last = _day(d["from"], f"{path}.from"), _day(d["to"], f"{path}.to")
    if last < first:
        raise BundleError(f"{path}: 'to' is before 'from'")
    if not isinstance(d["hours"], list) or not d["hours"]:
        raise BundleError(f"{path}.hours: at least one range of hours")
    hours = tuple(sorted(_hours(h, f"{path}.hours") for h in d["hours"]))
    for (_, end), (start, _) in zip(hours, hours[1:], strict=False):
        if start < end:
            raise BundleError(f"{path}.hours: ranges overlap")
    return Window(first, last, hours, _areas(d.get("audience", []), f"{path}.audience"))


def _workflow(obj: Any, path: str) -> WorkflowSpec:
    d = _table(obj, path, required={"steps"}, optional={"windows"})
    steps = d["steps"]
    if (not isinstance(steps, list) or not steps
            or not all(isinstance(s, str) and _NAME.match(s) for s in steps)):
        raise BundleError(f"{path}.steps: expected a non-empty list of step names")
    windows = d.get("windows", [])
    if not isinstance(windows, list):
        raise BundleError(f"{path}.windows: expected a list")
    return WorkflowSpec(tuple(steps),
                        tuple(_window(w, f"{path}.windows[{i}]") for i, w in enumerate(windows)))


def _text(obj: Any, path: str) -> Text:
    d = _table(obj, path, required={"zh", "en"})
    return Text(_str(d["zh"], f"{path}.zh", _MAX_TEXT), _str(d["en"], f"{path}.en", _MAX_TEXT))


def _pem(v: Any, path: str) -> str:
    s = _str(v, path, _MAX_PEM)
    if not s.lstrip().startswith("-----BEGIN ") or "-----END " not in s:
        raise BundleError(f"{path}: expected PEM text")
    return s


def _key_pair(obj: Any, path: str) -> KeyPair:
    d = _table(obj, path, required={"current"}, optional={"next"})
    nxt = d.get("next")
    return KeyPair(_pem(d["current"], f"{path}.current"),
                   None if nxt is None else _pem(nxt, f"{path}.next"))


def _photo_value(v: Any, path: str) -> PhotoValue:
    if isinstance(v, list):
        if not v or not all(isinstance(c, list) and len(c) == 3 and all(
                isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 255 for x in c)
                for c in v):
            raise BundleError(f"{path}: expected a list of [r, g, b] (0-255)")
        return tuple((c[0], c[1], c[2]) for c in v)
    if isinstance(v, int) and not isinstance(v, bool):
        return _int(v, path, 0, 100_000)
    return _number(v, path, 0.0, 100_000.0)


def _freeze(obj: Any) -> Freeze:
    d = _table(obj, "freeze", optional={"freeze_after_days", "on_expired", "stale_after_hours"})
    on_expired = d.get("on_expired", "stop")
    if on_expired not in ON_EXPIRED:
        raise BundleError(f"freeze.on_expired: one of {', '.join(ON_EXPIRED)}")
    return Freeze(_number(d.get("freeze_after_days", 0.0), "freeze.freeze_after_days", 0, 365),
                  on_expired,
                  _number(d.get("stale_after_hours", 24.0), "freeze.stale_after_hours", 0.01,
                          24 * 365))


def _pauses(obj: Any) -> Pauses:
    d = _table(obj, "pause", optional={"province", "areas"})
    province = None if d.get("province") is None else _text(d["province"], "pause.province")
    areas = {k: _text(v, f"pause.areas.{k}")
             for k, v in _named(d.get("areas", {}), "pause.areas", _AREA).items()}
    return Pauses(province, areas)


# -- writing ------------------------------------------------------------------------------------


def bundle_to_dict(b: ConfigBundle) -> dict[str, Any]:
    """The JSON form `bundle_from_dict` reads back to an equal bundle."""
    def text(t: Text) -> dict[str, str]:
        return {"zh": t.zh, "en": t.en}

    def hours(h: tuple[time, time]) -> str:
        end = "24:00" if h[1] == time(23, 59, 59, 999999) else h[1].strftime("%H:%M")
        return f"{h[0].strftime('%H:%M')}-{end}"

    def window(w: Window) -> dict[str, Any]:
        return {"from": w.first_day.isoformat(), "to": w.last_day.isoformat(),
                "hours": [hours(h) for h in w.hours], "audience": list(w.audience)}

    def pair(k: KeyPair) -> dict[str, str]:
        return {"current": k.current, **({"next": k.next} if k.next else {})}

    keys = {n: pair(k) for n, k in (("sealing", b.sealing_key), ("receipt", b.receipt_key)) if k}
    out: dict[str, Any] = {
        "format": FORMAT, "version": b.version,
        "expires": b.expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "workflows": {n: {"steps": list(w.steps), "windows": [window(x) for x in w.windows]}
                      for n, w in b.workflows.items()},
        "photo": {k: [list(c) for c in v] if isinstance(v, tuple) else v
                  for k, v in b.photo.items()},
        "notices": {k: text(t) for k, t in b.notices.items()},
        "keys": keys, "retention_days": b.retention_days,
        "freeze": {"freeze_after_days": b.freeze.freeze_after_days,
                   "on_expired": b.freeze.on_expired,
                   "stale_after_hours": b.freeze.stale_after_hours},
        "pause": {"areas": {k: text(t) for k, t in b.pause.areas.items()}},
    }
    if b.staff_ca:
        out["staff_ca"] = b.staff_ca
    if b.pause.province:
        out["pause"]["province"] = text(b.pause.province)
    return out


def bundle_to_bytes(b: ConfigBundle) -> bytes:
    """Canonical bytes (sorted keys, UTF-8): the same bundle always hashes the same."""
    return json.dumps(bundle_to_dict(b), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")
