"""The facts behind `kioskctl selftest`: one function per part, each a `readiness.Check`.

Each opens its device the way the kiosk does (the config's URI, through the device's factory)
and asks what the kiosk would need: a reader whose SAM answers, a camera that delivers frames,
a printer that is ready. No part's failure stops the others from being checked: a technician
wants every problem of a new machine at once. Nothing here reads a card's data or keeps a
picture: the camera check looks at frames and forgets them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.config import Config
from kiosk.core.readiness import Check, Level, clock_level, disk_level

SIM_NOTE = "a simulator (--simulate): not a real device"


def _device_missing(part: str, key: str) -> Check:
    return Check(part, "fail", "not configured",
                 f"name the device in kiosk.toml [devices] {key} = \"...\"")


def check_idcard(config: Config) -> Check:
    from hardware.idcard import open_idcard_reader

    uri = config.devices.idcard
    if not uri:
        return _device_missing("ID card reader", "idcard")
    reader = open_idcard_reader(uri, config.sim_dir)
    try:
        health = reader.health()
    finally:
        reader.close()
    facts = {"device": uri, "sam_id": health.sam_id}
    if not health.ok:
        return Check("ID card reader", "fail", f"no answer: {health.detail}",
                     "check the reader's cable and power; a SAM fault needs the vendor", facts)
    return Check("ID card reader", "ok", f"SAM {health.sam_id or '(no id)'} answers", facts=facts)


def check_camera(config: Config, seconds: float = 1.5) -> Check:
    from hardware.camera import open_camera
    from provisioning.photo_cli import measure_camera

    uri = config.devices.camera
    if not uri:
        return _device_missing("camera", "camera")
    report = measure_camera(open_camera(uri, config.sim_dir), config, seconds)
    facts = {"device": uri, **report}
    if report["frames_seen"] == 0:
        return Check("camera", "fail", f"no frame in {seconds:g} s",
                     "check the camera's USB cable; `kioskctl camera check` for details", facts)
    width, height = report["frame_size"]
    summary = f"{width}x{height}, {report['fps']} fps, current frame " + (
        "would pass" if report["ok"] else f"would not pass ({report['guidance']})")
    if report["fps"] < 10:
        return Check("camera", "warn", summary, "the preview will stutter below 10 fps", facts)
    return Check("camera", "ok", summary, facts=facts)


def check_light(config: Config) -> Check:
    from hardware.light import open_light

    uri = config.devices.light
    if not uri:
        return _device_missing("fill light", "light")
    light = open_light(uri, config.sim_dir)
    try:
        light.set(True)
        on_fault = light.fault
        light.set(False)
        fault = on_fault or light.fault
    finally:
        light.close()
    if fault:
        return Check("fill light", "warn", f"did not switch ({fault})",
                     "photos still work in room light; check the relay's USB cable",
                     {"device": uri})
    return Check("fill light", "ok", "switched on and off", facts={"device": uri})


def check_printer(config: Config) -> Check:
    from hardware.printer import open_printer
    from kiosk.fonts import cjk_font_path

    uri = config.devices.printer
    if not uri:
        return _device_missing("receipt printer", "printer")
    status = open_printer(uri, config.sim_dir, cjk_font_path()).status()
    facts = {"device": uri, "code": status.code, "paper": status.paper}
    if not status.ok:
        return Check("receipt printer", "fail", f"not ready: {status.code} ({status.detail})",
                     "load paper, close the cover or power the printer; then "
                     "`kioskctl printer test`", facts)
    if status.paper == "near_end":
        return Check("receipt printer", "warn", "ready, paper near end", "load a new roll soon",
                     facts)
    return Check("receipt printer", "ok", "ready", facts=facts)


def check_a4(config: Config) -> Check:
    from hardware.printer.a4 import open_a4_printer

    uri = config.devices.a4
    if not uri:
        return Check("A4 printer", "warn", "no A4 queue configured",
                     "forms cannot print here: set [devices] a4 = \"cups://QUEUE\"")
    status = open_a4_printer(uri).status()
    facts = {"device": uri, "code": status.code}
    if not status.ok:
        return Check("A4 printer", "fail", f"not ready: {status.code} ({status.detail})",
                     "enable the queue (cupsenable, cupsaccept) and check the printer;"
                     " then `kioskctl a4 test`", facts)
    return Check("A4 printer", "ok", "queue enabled and accepting jobs", facts=facts)


def check_disk(config: Config) -> Check:
    from kiosk.store.disk import DiskGuard

    free_mb = DiskGuard(config.data_dir, 0).free_bytes() / 2**20
    floor = config.storage.min_free_mb
    level = disk_level(free_mb, floor)
    advice = {"ok": "", "warn": "upload or export records, free space on the data disk",
              "fail": "new candidates are refused: free space on the data disk now"}[level]
    return Check("disk", level, f"{free_mb:.0f} MB free (floor {floor} MB)", advice,
                 {"free_mb": round(free_mb), "min_free_mb": floor})


def check_server(config: Config) -> list[Check]:
    """Reachable, the clock against the server's, and this device accepted (a signed request:
    its key, its enrolment and its clock as the province sees them)."""
    from central_api_client.api_errors import ApiError, AuthError
    from central_api_client.signing import MAX_CLOCK_SKEW_S
    from kiosk.seal import SealError
    from kiosk.sync.uploader import make_client

    try:
        client = make_client(config)
    except (SealError, ValueError) as exc:
        return [Check("provincial API", "fail", f"cannot sign requests: {exc}",
                      "enrol the machine: `kioskctl enrol --api URL --token TOKEN`")]
    checks = []
    with client:
        try:
            before = time.time()
            health = client.health()
            server = datetime.fromisoformat(str(health.get("time", ""))).timestamp()
            skew = (before + time.time()) / 2 - server
        except (ApiError, ValueError) as exc:
            return [Check("provincial API", "fail", f"not reachable: {exc}",
                          "check the network and api.base_url", {"url": config.api.base_url})]
        level = clock_level(skew, MAX_CLOCK_SKEW_S)
        checks.append(Check("clock", level, f"{skew:+.1f} s from the server's",
                            "" if level == "ok" else "set the time (NTP: timedatectl)",
                            {"skew_s": round(skew, 2)}))
        try:
            client.device_records(config.device.id)
        except AuthError as exc:
            checks.append(Check("device accepted", "fail", f"refused: {exc.code}",
                                "enrol this machine again, or ask the province to reactivate"
                                f" {config.device.id}", {"code": exc.code}))
        except ApiError as exc:
            checks.append(Check("device accepted", "fail", f"signed request failed: {exc}",
                                "see `kioskctl sync status`"))
        else:
            checks.append(Check("device accepted", "ok",
                                f"{config.device.id} signs and is accepted",
                                facts={"url": config.api.base_url}))
    return checks


def check_device_key(config: Config) -> Check:
    """The key this machine signs with: it signs here (a signature made and checked), and
    the ID-number secret unseals here; where it lives (the TPM, or development files)."""
    from central_api_client.device_keys import verify_device_signature
    from hardware.tpm import ID_HASH_SECRET, TpmError
    from kiosk.seal import SealError, open_machine_keys

    try:
        store = open_machine_keys(config.keys_dir, config.devices.tpm)
    except SealError as exc:
        return Check("device key", "fail", f"key store not usable: {exc}",
                     "check the TPM (/dev/tpmrm0, group tss) and [devices] tpm")
    facts = {"key_store": store.uri}
    try:
        key = store.device_key(create=False)
        probe = b"kioskctl selftest"
        verify_device_signature(key.public_key(), key.sign(probe), probe)
        if store.secrets.exists(ID_HASH_SECRET):
            store.secrets.unseal(ID_HASH_SECRET)
    except TpmError as exc:
        advice = {"tpm_key_missing": "enrol the machine: `kioskctl enrol --api URL --token T`",
                  "tpm_wrong_machine": "this data dir was made on another machine: restore"
                  " this machine's own, or enrol it anew"}.get(
                      exc.code, "check the TPM and [devices] tpm")
        return Check("device key", "fail", f"{exc.code}: {exc}"[:160], advice, facts)
    except Exception as exc:  # noqa: BLE001 - a key that signs what does not verify
        return Check("device key", "fail", f"signature does not verify ({type(exc).__name__})",
                     "the key store is damaged: enrol the machine anew", facts)
    finally:
        store.close()
    facts["algorithm"] = key.algorithm
    if store.uri == "file:":
        return Check("device key", "warn", "development key files (--simulate), not a TPM",
                     "a real machine keeps its key in its TPM: [devices] tpm", facts)
    return Check("device key", "ok", f"{key.algorithm} key in the TPM signs; secret unseals",
                 facts=facts)


def check_enrolment(config: Config, simulate: bool = False) -> Check:
    """Whether the province enrolled this machine (the answer `kioskctl enrol` kept); a
    simulated kiosk may instead be enrolled by a development server's first request."""
    from provisioning.enrol_cli import enrolment_of

    answer = enrolment_of(config)
    if answer is None:
        return Check("enrolment", "warn" if simulate else "fail", "not enrolled",
                     "`kioskctl enrol --api URL --token TOKEN` (a token from the province)")
    ranges = ", ".join(f"{r.category} {r.first:04d}-{r.last:04d}" for r in answer.ranges)
    return Check("enrolment", "ok", f"{answer.device_id}, county {answer.county_code}, "
                 f"{answer.point}: {ranges}", facts={"device_id": answer.device_id})


def check_signed_config(config: Config) -> Check:
    """The central bundle in force: its version and expiry, and why the last update failed."""
    from provisioning.config_cli import config_report

    report = config_report(config)
    if report["version"] is None:
        level: Level = "warn" if report["status"] in ("not_configured", "never") else "fail"
        return Check("signed configuration", level,
                     f"none in force ({report['status_words']})",
                     "`kioskctl config update` once the province has published one", report)
    summary = f"version {report['version']}, expires {report['expires']} ({report['expiry']})"
    if report["expiry"] in ("frozen_stop", "frozen_keep"):
        return Check("signed configuration", "fail", summary,
                     "`kioskctl config update`; ask the province to re-sign", report)
    if report["expiry"] == "grace" or report["last_refusal"] or report["stale"]:
        words = (report["last_refusal"] or {}).get("words") or "not checked lately"
        return Check("signed configuration", "warn", f"{summary}; last update: {words}",
                     "`kioskctl config status` says why", report)
    return Check("signed configuration", "ok", summary, facts=report)


def check_staff_ca(config: Config) -> Check:
    """Staff sign in with cards issued under the staff CA: the signed bundle's, else
    `[staff] ca`."""
    from cryptography import x509

    from kiosk.core.staff import StaffCardError
    from kiosk.staff_signin import staff_settings

    try:
        settings = staff_settings(config)
    except StaffCardError as exc:
        return Check("staff CA", "fail", exc.detail, "fix [staff] ca in kiosk.toml")
    if settings.ca_pem is None:
        return Check("staff CA", "warn", "not installed",
                     "staff cards cannot sign in until the signed configuration carries it")
    try:
        x509.load_pem_x509_certificate(settings.ca_pem)
    except ValueError:
        return Check("staff CA", "fail", "not a PEM certificate",
                     "install the staff CA certificate the province issued")
    where = ("the signed configuration" if _bundle_has_staff_ca(config)
             else "kiosk.toml [staff] ca")
    return Check("staff CA", "ok", f"installed from {where}")


def check_staff_reader(config: Config) -> list[Check]:
    """The staff card reader pcscd sees, when the machine names one (`devices.staffcard`)."""
    if not config.devices.staffcard:
        return []
    return [_check_staff_reader(config.devices.staffcard)]


def _bundle_has_staff_ca(config: Config) -> bool:
    from kiosk.central_config import staff_ca_pem

    return staff_ca_pem(config) is not None


def _check_staff_reader(uri: str) -> Check:
    from hardware.staffcard.link import establish, list_readers, release
    from kiosk.core.staff import StaffCardError

    name = uri[len("pcsc://"):]
    try:
        context = establish()
        try:
            names = list_readers(context)
        finally:
            release(context)
    except StaffCardError as exc:
        return Check("staff card reader", "fail", exc.detail or exc.code,
                     "is pcscd running? (systemctl status pcscd)")
    if (name and name not in names) or not names:
        return Check("staff card reader", "fail", f"{name or 'a PC/SC reader'} not connected",
                     "plug the staff card reader in; `pcsc_scan` lists what pcscd sees")
    return Check("staff card reader", "ok", name or names[0])


def guarded(part: str, check: Callable[[], Check | list[Check]]) -> list[Check]:
    """Run one part's check; whatever it raises is that part's failure, not the report's."""
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - one broken part must not hide the others
        code = getattr(exc, "code", type(exc).__name__)
        return [Check(part, "fail", f"{code}: {exc}"[:200], "see the part's own kioskctl check")]
    return result if isinstance(result, list) else [result]


def simulated(checks: list[Check], config: Config) -> list[Check]:
    """Say, on every line of a simulated device, that it is one."""
    out = []
    for check in checks:
        device: Any = check.facts.get("device", "")
        if isinstance(device, str) and device.startswith("sim:") and check.level == "ok":
            check = Check(check.part, "ok", f"{check.summary} [{SIM_NOTE}]", check.advice,
                          check.facts)
        out.append(check)
    return out
