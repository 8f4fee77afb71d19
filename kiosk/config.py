"""The machine's configuration: one TOML file, with defaults that make `--simulate` work as is.

Every key but the device URIs has a default, so a technician's file names only what differs on
that machine (and the devices it has: the simulators are defaults under `--simulate` only). A bad
file is refused with the key and the reason, never half-applied.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.core import sequence
from kiosk.core.confirmation import DESIGNATIONS
from kiosk.core.photo_standard import PhotoStandard

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")


class ConfigError(Exception):
    """A configuration file that cannot be used, with the offending key in the message."""


def default_data_dir() -> Path:
    env = os.environ.get("KIOSK_DATA_DIR")
    if env:
        return Path(env)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "kiosk"


@dataclass(frozen=True)
class DeviceConfig:
    id: str = "SIM-0001"
    county_code: str = "4301"  # the county that assigned this machine its sequence range
    point: str = ""  # the registration point (报名点) it was enrolled for


@dataclass(frozen=True)
class SequenceConfig:
    first: int = 1  # 4-digit serials this machine may hand out, inclusive
    last: int = 9999
    # From enrolment: the serials per subject category, `ranges = { history = [1, 500] }`
    # in TOML; when given they replace first..last, numbering from `category`'s (default: the
    # first one).
    ranges: sequence.Ranges = ()
    category: str = ""


@dataclass(frozen=True)
class DevicesConfig:
    """Device URIs. None by default: a real machine names each one, and the simulators
    (`sim://`) are filled in only under `--simulate` (`simulated_devices`)."""

    idcard: str = ""
    camera: str = ""
    printer: str = ""
    light: str = ""  # the fill light: usbrelay://16c0:05df?channel=1, none://, sim://
    a4: str = ""  # the A4 forms printer: cups://QUEUE; "" when the point has none
    wlt_library: str = ""  # the vendor's chip photo decoder (libwlt2bmp.so); "": no chip photo
    # The device key and sealed secrets (hardware/tpm): tpm:device:/dev/tpmrm0 on a kiosk;
    # tpm:swtpm:host=127.0.0.1,port=2321 (a software TPM) or file: under --simulate only.
    tpm: str = ""
    # The staff card reader (hardware/staffcard): pcsc:// (the first PC/SC reader) or
    # pcsc://READER NAME; "": the machine has none.
    staffcard: str = ""
    # The voice (hardware/speaker): espeak:// through the sound card, espeak-wav:///DIR to
    # files, none:// or "" for no voice.
    speaker: str = ""


SIMULATED = "sim://"


def simulated_devices(config: Config) -> Config:
    """`--simulate`: the ID card reader, the camera and the printer simulated unless already a
    simulator (which keeps its options: sim://?fps=30, sim://?sam_latency=0.2); a network
    receipt printer stays (a bench printer, or the tests' own on loopback); the light as
    configured, else simulated. The chip photo decoder a technician named still applies. The
    key store as configured (a bench's swtpm), else the development files (`file:`)."""
    mine = config.devices
    return replace(config, devices=replace(
        mine,
        idcard=mine.idcard if mine.idcard.startswith("sim:") else SIMULATED,
        camera=mine.camera if mine.camera.startswith("sim:") else SIMULATED,
        printer=mine.printer if mine.printer.startswith(("sim:", "escpos-tcp:")) else SIMULATED,
        light=mine.light or SIMULATED,
        tpm=mine.tpm or "file:",
    ))


@dataclass(frozen=True)
class ApiConfig:
    # https://, or http:// to this machine's loopback only (the client refuses anything else).
    base_url: str = "http://127.0.0.1:8700"
    timeout_s: float = 10.0
    # PEM of the province's receipt key (Ed25519 public); "": keys/province_receipt_ed25519.pub.pem
    receipt_public_key: str = ""


@dataclass(frozen=True)
class CentralConfig:
    """`[config]`: where the signed central configuration comes from (kiosk.sync.config_updater).
    `trust_root`: the TUF root.json installed at enrolment; "" = no central config (defaults and
    this file only). `repository_url`: metadata at URL/metadata/, bundles at URL/targets/."""

    trust_root: str = ""
    repository_url: str = ""


@dataclass(frozen=True)
class UploadConfig:
    interval_s: float = 2.0  # how often the uploader looks for queued records
    batch_size: int = 50  # records marked sent, uploaded and acknowledged per transaction
    concurrency: int = 4  # requests in flight at once, over as many kept-alive connections
    # Records per request (POST /v1/records:batch, at most 32); 1 = one PUT per record.
    records_per_request: int = 16
    max_backoff_s: float = 300.0  # the cap of the full-jitter back-off after failures
    # No new session once no upload has succeeded (and nothing was exported) for this many
    # days (kiosk/core/freeze.py); 0 turns the freeze off.
    freeze_after_days: float = 3.0
    # A signed heartbeat to the province this often (`kiosk.sync.heartbeat`); 0 sends none.
    heartbeat_s: float = 300.0
    # The point's roster of candidates is fetched this often (`kiosk.sync.roster`), for the
    # workflows of the central bundle that look candidates up; 0 fetches none.
    roster_sync_s: float = 3600.0


@dataclass(frozen=True)
class StorageConfig:
    retention_days: float = 30.0  # an acknowledged record's blob is purged after this long
    min_free_mb: int = 200  # under this much free disk no new session starts


@dataclass(frozen=True)
class PointConfig:
    """`[point]`: what the second visits need to know of this point (its code is
    `device.point`): its name for the forms, what it is designated for (`minor`: 低龄审核点,
    `medical`: 医卫类审核点), and the adult exam's first day ("YYYY-MM-DD"; "": the
    province's flag for minors alone decides)."""

    name: str = ""
    designations: tuple[str, ...] = ()
    adult_exam_date: str = ""

    def exam_date(self) -> date | None:
        return date.fromisoformat(self.adult_exam_date) if self.adult_exam_date else None


@dataclass(frozen=True)
class SessionConfig:
    workflow: str = "collect"
    # The workflows this machine runs, in the attract screen's order ("": `workflow` alone);
    # the schedule says which are open at a time.
    workflows: tuple[str, ...] = ()
    idle_timeout_s: float = 90.0
    countdown_s: int = 3
    done_dwell_s: float = 10.0  # the done screen returns to the start by itself
    notice_dwell_s: float = 20.0  # so does an error notice
    # A card put down waits half of this on average before it is read (the SAM takes 0.8 s
    # more); a poll is one short serial exchange, so about seven a second cost next to nothing.
    card_poll_s: float = 0.15
    card_read_retries: int = 2  # a failed read is tried again this often before "ask staff"
    # The attract screen asks the start gate (and re-reads the central bundle) this often, so
    # a pause or a window's end shows, and stops new sessions, within this many seconds.
    gate_refresh_s: float = 30.0


@dataclass(frozen=True)
class StaffConfig:
    """`[staff]`: staff cards. The staff CA the signed bundle carries wins over `ca`
    (`central_config.staff_ca_pem`)."""

    ca: str = ""  # the staff CA certificate (PEM) while no applied bundle carries one
    # The county a card must be for: six digits; "" = any county of device.county_code's city.
    county: str = ""
    lockout_free_tries: int = 5  # wrong PINs in a row before the software lockout starts
    lockout_base_s: int = 15  # its first wait; each further wrong PIN doubles it
    idle_s: int = 5 * 60  # a staff session ends after this long untouched
    max_session_s: int = 12 * 3600  # and after this long whatever happens


@dataclass(frozen=True)
class DisplayConfig:
    width: int = 1920
    height: int = 1080
    fullscreen: bool = False
    dpi: float = 96.0  # the panel's real pixel density, so 15 mm targets are 15 mm
    language: str = "zh"
    # Every candidate starts with large text in high contrast (the footer's button switches it
    # for one candidate either way).
    large_text: bool = False
    # OpenGL multisampling (smoother edges). Off by default: on the software GL of panels
    # without a GPU, 2x costs ~14 ms of every frame at 1920x1080 (the preview fell to 17 fps).
    # 2 or 4 where the panel has a GPU.
    multisamples: int = 0


@dataclass(frozen=True)
class VoiceConfig:
    """`[voice]`: spoken guidance, for candidates who cannot read the screen."""

    enabled: bool = True  # staff may switch it off; no `devices.speaker` means no voice anyway
    volume: int = 80  # 0..100
    rate: int = 160  # words a minute: slow enough to follow

    def __post_init__(self) -> None:
        if not 0 <= self.volume <= 100:
            raise ValueError("volume must be 0..100")
        if not 80 <= self.rate <= 450:
            raise ValueError("rate must be 80..450")


@dataclass(frozen=True)
class ExceptionsConfig:
    """`[exceptions]`: how the kiosk handles records staff enter by hand."""

    # Whoever entered a record by hand may also approve it (with a supervisor's card). The
    # plans' four-eyes rule by default: no.
    same_person_may_approve: bool = False


@dataclass(frozen=True)
class PhotoConfig(PhotoStandard):
    """`[photo]`: the province's photo standard (every `PhotoStandard` field, defaults the
    published values) and how the kiosk captures against it. `backgrounds` is an array of
    [r, g, b] arrays in TOML."""

    detector_model: str = ""  # a YuNet .onnx a technician installed; "": the Haar cascades
    # auto-capture once the verdict has been good this many frames in a row: the screen judges
    # 15 a second, so 8 is about half a second in place before the countdown
    good_frames: int = 8
    max_retakes: int = 3  # then ask staff

    def standard(self) -> PhotoStandard:
        """The standard alone, for the analyser and the photo maker."""
        return PhotoStandard(**{f.name: getattr(self, f.name) for f in fields(PhotoStandard)})


@dataclass(frozen=True)
class Config:
    device: DeviceConfig = field(default_factory=DeviceConfig)
    sequence: SequenceConfig = field(default_factory=SequenceConfig)
    devices: DevicesConfig = field(default_factory=DevicesConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    config: CentralConfig = field(default_factory=CentralConfig)
    upload: UploadConfig = field(default_factory=UploadConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    point: PointConfig = field(default_factory=PointConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    photo: PhotoConfig = field(default_factory=PhotoConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    exceptions: ExceptionsConfig = field(default_factory=ExceptionsConfig)
    data_dir: Path = field(default_factory=default_data_dir)
    source: str = "built-in defaults"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "kiosk.sqlite"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def receipt_key_path(self) -> Path:
        """The province's receipt public key: only receipts it verifies count as delivery."""
        if self.api.receipt_public_key:
            return Path(self.api.receipt_public_key).expanduser()
        return self.keys_dir / "province_receipt_ed25519.pub.pem"

    def sequence_range(self) -> tuple[str, int, int]:
        """(category, first, last) this machine hands numbers out of now."""
        s = self.sequence
        return sequence.choose_range(s.ranges, s.category, s.first, s.last)

    @property
    def sim_dir(self) -> Path:
        """Where simulated devices keep their state (the card on the reader, printouts)."""
        return self.data_dir / "sim"

    def validate(self) -> Config:
        if len(self.device.county_code) != 4 or not self.device.county_code.isdigit():
            raise ConfigError("device.county_code: must be 4 digits")
        if not self.device.id or len(self.device.id) > 64:
            raise ConfigError("device.id: must be 1-64 characters")
        unknown = set(self.point.designations) - DESIGNATIONS
        if unknown:
            raise ConfigError(f"point.designations: unknown {sorted(unknown)};"
                              f" known: {sorted(DESIGNATIONS)}")
        try:
            self.point.exam_date()
        except ValueError:
            raise ConfigError("point.adult_exam_date: expected YYYY-MM-DD") from None
        s = self.sequence
        if not (0 <= s.first <= s.last <= 9999):
            raise ConfigError("sequence: need 0 <= first <= last <= 9999")
        try:
            sequence.check_ranges(s.ranges)
            self.sequence_range()
        except ValueError as exc:
            raise ConfigError(f"sequence.ranges: {exc}") from None
        u = self.upload
        if u.batch_size < 1 or not (1 <= u.concurrency <= 32):
            raise ConfigError("upload: need batch_size >= 1 and 1 <= concurrency <= 32")
        if not (1 <= u.records_per_request <= 32):
            raise ConfigError("upload.records_per_request: must be 1-32")
        if u.freeze_after_days < 0:
            raise ConfigError("upload.freeze_after_days: must not be negative (0 turns it off)")
        if u.heartbeat_s != 0 and not 10 <= u.heartbeat_s <= 86400:
            raise ConfigError("upload.heartbeat_s: 10 to 86400 seconds (0 sends none)")
        if u.roster_sync_s != 0 and not 60 <= u.roster_sync_s <= 86400:
            raise ConfigError("upload.roster_sync_s: 60 to 86400 seconds (0 fetches none)")
        if self.storage.retention_days < 0 or self.storage.min_free_mb < 0:
            raise ConfigError("storage: retention_days and min_free_mb must not be negative")
        if self.session.card_read_retries < 0:
            raise ConfigError("session.card_read_retries: must not be negative")
        if self.session.idle_timeout_s <= 0:
            raise ConfigError("session.idle_timeout_s: must be positive")
        if not 0 < self.session.gate_refresh_s <= 60:  # the bound: a pause within a minute
            raise ConfigError("session.gate_refresh_s: must be over 0 and at most 60")
        if bool(self.config.trust_root) != bool(self.config.repository_url):
            raise ConfigError("config: trust_root and repository_url go together")
        if self.display.multisamples not in (0, 2, 4, 8):
            raise ConfigError("display.multisamples: must be 0, 2, 4 or 8")
        try:
            self.photo.validate()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if self.photo.good_frames < 1 or self.photo.max_retakes < 0:
            raise ConfigError("photo: need good_frames >= 1 and max_retakes >= 0")
        st = self.staff
        if st.county and not (len(st.county) == 6 and st.county.isdigit()):
            raise ConfigError("staff.county: must be 6 digits (or empty)")
        if st.lockout_free_tries < 1 or st.lockout_base_s < 1:
            raise ConfigError("staff: lockout_free_tries and lockout_base_s must be at least 1")
        if not 0 < st.idle_s <= st.max_session_s:
            raise ConfigError("staff: need 0 < idle_s <= max_session_s")
        if self.devices.staffcard and not self.devices.staffcard.startswith("pcsc://"):
            raise ConfigError("devices.staffcard: pcsc:// or pcsc://READER NAME")
        return self

    def as_dict(self) -> dict[str, Any]:
        """For `kioskctl status`: the configuration in force."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if is_dataclass(value):
                out[f.name] = {g.name: getattr(value, g.name) for g in fields(value)}
            else:
                out[f.name] = str(value)
        return out


def _section(cls: type, data: Any, name: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: must be a table")
    known = {f.name: f for f in fields(cls)}
    kwargs = {}
    defaults = cls()
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{name}.{key}: unknown key")
        expected = type(getattr(defaults, key))
        if (name, key) == ("sequence", "ranges"):
            value = _ranges(value)
        elif (name, key) in _NAME_LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{name}.{key}: expected an array of names")
            value = tuple(value)
        elif expected is tuple and isinstance(value, list):  # e.g. photo.backgrounds
            try:
                value = tuple(_rgb(v) for v in value)
            except (TypeError, ValueError):
                raise ConfigError(f"{name}.{key}: expected an array of [r, g, b]") from None
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{name}.{key}: expected {expected.__name__}")
        kwargs[key] = value
    return cls(**kwargs)


_NAME_LISTS = {("session", "workflows"), ("point", "designations")}


def _ranges(value: Any) -> sequence.Ranges:
    """`{ category = [first, last], ... }` as (category, first, last) tuples."""
    if not isinstance(value, dict) or not all(
            isinstance(v, list) and len(v) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in v)
            for v in value.values()):
        raise ConfigError("sequence.ranges: expected a table of category = [first, last]")
    return tuple((str(k), v[0], v[1]) for k, v in value.items())


def _rgb(value: Any) -> tuple[int, int, int]:
    if (not isinstance(value, list) or len(value) != 3
            or not all(isinstance(c, int) and 0 <= c <= 255 for c in value)):
        raise ValueError(value)
    return (value[0], value[1], value[2])


_SECTIONS = {
    "device": DeviceConfig,
    "sequence": SequenceConfig,
    "devices": DevicesConfig,
    "api": ApiConfig,
    "config": CentralConfig,
    "upload": UploadConfig,
    "storage": StorageConfig,
    "session": SessionConfig,
    "point": PointConfig,
    "display": DisplayConfig,
    "photo": PhotoConfig,
    "staff": StaffConfig,
    "voice": VoiceConfig,
    "exceptions": ExceptionsConfig,
}


def parse_config(text: str, source: str = "<string>") -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    kwargs: dict[str, Any] = {"source": source}
    for key, value in data.items():
        if key == "data_dir":
            if not isinstance(value, str):
                raise ConfigError("data_dir: expected a path string")
            kwargs["data_dir"] = Path(value).expanduser()
        elif key in _SECTIONS:
            kwargs[key] = _section(_SECTIONS[key], value, key)
        else:
            raise ConfigError(f"{key}: unknown section")
    return Config(**kwargs).validate()


def load_config(path: Path | None = None) -> Config:
    """The file given, else /etc/kiosk/kiosk.toml if present, else the built-in defaults.

    `KIOSK_CONFIG` names a file too, so the uploader and kioskctl see what the kiosk sees.
    """
    if path is None and os.environ.get("KIOSK_CONFIG"):
        path = Path(os.environ["KIOSK_CONFIG"])
    if path is None:
        if not DEFAULT_CONFIG_PATH.exists():
            return Config().validate()
        path = DEFAULT_CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_config(text, str(path))


def with_overrides(config: Config, **changes: Any) -> Config:
    return replace(config, **changes).validate()
