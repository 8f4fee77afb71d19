"""Puts one kiosk together from its configuration: devices by URI, store, sealer, effect
runner and the shell that owns them all.

The one place (with the hardware factories) that names concrete classes; everything it builds
is handed on behind a Protocol. The UI receives the finished `Shell`.
"""

from __future__ import annotations

import atexit
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from central_api_client.logs import LogEvent, event
from hardware.camera import open_camera
from hardware.idcard import open_idcard_reader
from hardware.idcard.watcher import CardWatcher
from hardware.idcard.wlt import load_decoder
from hardware.light import open_light
from hardware.printer import open_printer
from hardware.printer.a4 import A4Printer, open_a4_printer
from hardware.printer.font_file import FontFile
from hardware.speaker.factory import open_speaker
from hardware.tpm import TpmError
from kiosk.candidate_lookup import CandidateLookupOnFirstUse
from kiosk.central_config import CurrentBundle, machine_workflows, workflow_of
from kiosk.config import Config
from kiosk.core.day_report import DayReport
from kiosk.core.exception_cases import ApprovalPolicy
from kiosk.core.notices import Notice
from kiosk.core.photo_standard import PhotoStandard
from kiosk.core.schedule import Refusal
from kiosk.core.session import SessionSettings
from kiosk.core.simulation import DEVICES
from kiosk.core.steps import StepSettings, everyone
from kiosk.effects import EffectRunner
from kiosk.fonts import cjk_font_path
from kiosk.province_keys import ProvinceKeys
from kiosk.seal import Sealer, SealError, open_machine_keys
from kiosk.shell import CardSlotLike, Shell, StaffSlotLike
from kiosk.staff_shell import ReportPrinter, pause_refusal
from kiosk.startup import check_real_machine
from kiosk.store import KioskStore, open_kiosk_store
from kiosk.sync.status import record_health, start_freeze_clock, upload_frozen
from kiosk.visits import IdHasher

if TYPE_CHECKING:
    from collections.abc import Callable

    from hardware.camera.analysis import FaceAnalyser
    from hardware.camera.live import LiveAnalysis
    from hardware.staffcard.card import StaffCard, StaffCardReader
    from kiosk.core.staff import StaffMember

log = logging.getLogger("kiosk")


def session_settings(config: Config, central: CurrentBundle | None = None) -> SessionSettings:
    """The session's settings; the workflow's steps from the central bundle when it names the
    machine's workflow, else the built-in one."""
    s, point = config.session, config.point
    bundle = central.bundle if central else None
    first, *others = (workflow_of(config, bundle, name)
                      for name in machine_workflows(config, bundle))
    return SessionSettings(
        workflow=first,
        others=tuple(others),
        step=StepSettings(device_id=config.device.id, max_photo_retakes=config.photo.max_retakes,
                          admits=central.admits if central else everyone,
                          point_code=config.device.point, point_name=point.name,
                          designations=frozenset(point.designations),
                          adult_exam_date=point.exam_date(),
                          language=config.display.language,
                          large_text=config.display.large_text,
                          approval=ApprovalPolicy(config.exceptions.same_person_may_approve)),
        idle_timeout_s=s.idle_timeout_s,
        done_dwell_s=s.done_dwell_s,
        notice_dwell_s=s.notice_dwell_s,
        gate_refresh_s=s.gate_refresh_s,
    )


def check_machine(config: Config, simulate: bool) -> None:
    """The start-up check of the kiosk: on a real machine (no `--simulate`) every device must
    be named and real, and no development key may be present (RealMachineRefused, naming what
    to fix). Run before anything is opened; `build` runs it too."""
    check_real_machine(config, "kiosk", simulate=simulate, devices=DEVICES, keys=True)


def refuse_start(store: KioskStore, config: Config,
                 central: CurrentBundle) -> Notice | Refusal | None:
    """Why no new candidate may begin now, asked before each one (never mid-session) and by
    the attract screen every `session.gate_refresh_s`: the disk guard (a record might not
    fit), then the upload freeze (records have stayed on the machine for
    `upload.freeze_after_days`): staff must act, the notice says how; then the central rules
    (a pause, the schedule windows, an expired bundle: the bundle is re-read first), which the
    attract screen shows in place of its invitation. Uploads are another process: no rule
    here stops them."""
    if not store.disk_ok():
        return Notice.DISK_FULL
    if upload_frozen(store, config.upload.freeze_after_days):
        return Notice.UPLOAD_OVERDUE
    # The central rules first (the admins' words win), then staff's own pause of this kiosk.
    return central.refusal() or pause_refusal(store)


def report_printer(config: Config, printer: A4Printer | None) -> ReportPrinter | None:
    """Prints the end-of-day report on the point's A4 printer (None: the point has none)."""
    if printer is None:
        return None
    from hardware.printer.day_report_pdf import render_day_report

    def print_report(report: DayReport) -> str:
        pdf = render_day_report(report, FontFile(cjk_font_path()),
                                language=config.display.language)
        job = printer.print_pdf(pdf, "day-report")
        event(log, LogEvent.STAFF_DAY_REPORT_PRINTED, job=job)
        return job

    return print_report


def build(config: Config, simulate: bool = False) -> Shell:
    """The kiosk of `config`. SealError (with a TpmError's code and what to do) when the key
    store cannot serve this machine: no TPM, or a data dir copied from another one."""
    check_machine(config, simulate)
    # The signed central configuration over kiosk.toml: read now, and again before each
    # candidate by the start gate below (the photo standard follows at the next photo step).
    central = CurrentBundle(config)
    config = central.config
    # The device key and the ID-number secret first: a data dir copied from another machine
    # stops here, before the database is opened.
    keys = open_machine_keys(config.keys_dir, config.devices.tpm)
    atexit.register(keys.close)
    try:
        # A TPM key is made on first start (it is no development key: enrolment registers
        # it); the development file key only under --simulate.
        device_key = keys.device_key(create=simulate or keys.uri != "file:")
        hasher = IdHasher.from_secrets(keys.secrets)
    except TpmError as exc:
        raise SealError(str(exc)) from None
    store, voided = open_kiosk_store(config)
    if voided:
        event(log, LogEvent.SEQUENCE_VOIDED, count=voided, when="start")
    start_freeze_clock(store)
    # Development keys only ever for a simulated kiosk: a real one without its province key
    # must refuse to start rather than seal records the province cannot open.
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id, generate_dev_keys=simulate,
                                  device_key=device_key)
    # Each record to the province's sealing key in force: the signed bundle's once it names
    # one (re-read between candidates by the start gate), else the keys folder's.
    sealer = sealer.following(ProvinceKeys(config, lambda: central.bundle).sealing_key)
    printer = open_printer(config.devices.printer, config.sim_dir, cjk_font_path())
    # The point's A4 printer (forms, the end-of-day report), one for both.
    a4 = open_a4_printer(config.devices.a4) if config.devices.a4 else None
    runner = EffectRunner(config, store, sealer, printer, hasher=hasher, a4=a4,
                          candidates=CandidateLookupOnFirstUse(config),
                          font=FontFile(cjk_font_path()))
    reader = open_idcard_reader(config.devices.idcard, config.sim_dir)
    camera = open_camera(config.devices.camera, config.sim_dir)
    light = open_light(config.devices.light, config.sim_dir)  # guarded: failures only warn
    decoder = load_decoder(config.devices.wlt_library or None)
    speaker = open_speaker(config.devices.speaker, config.voice.volume, config.voice.rate)
    atexit.register(speaker.close)
    analysers: dict[PhotoStandard, FaceAnalyser] = {}

    def live_analysis() -> LiveAnalysis:
        # Imported here: OpenCV and its cascades load when the photo step first needs them,
        # not at start (a simulated camera needs no OpenCV at all until then).
        from hardware.camera.analysis import FaceAnalyser
        from hardware.camera.live import LiveAnalysis

        # Loading the cascades takes a moment: once per photo standard in force, when needed.
        standard = central.config.photo.standard()
        if standard not in analysers:
            analysers.clear()
            analysers[standard] = FaceAnalyser(standard, config.photo.detector_model)
        return LiveAnalysis(camera, analysers[standard])

    shell = Shell(
        config,
        session_settings(config, central),
        runner,
        camera=camera,
        light=light,
        watch_cards=lambda on_event: CardWatcher(
            reader, config.session.card_poll_s, config.session.card_read_retries, on_event
        ),
        live_analysis=live_analysis,
        chip_photo_decoder=decoder.decode if decoder else None,
        refuse_start=lambda: refuse_start(store, config, central),
        open_workflows=central.open_workflows,
        # The bundle's workflows and steps from the next candidate on (the gate re-read it).
        settings_now=lambda: session_settings(central.config, central),
        simulate=simulate,
        sim_cards=_sim_card_slot(config) if simulate else None,
        sim_staff_cards=_sim_staff_slot(config) if simulate else None,
        staff_reader=open_staff_card_reader(config),
        staff_sign_in=staff_sign_in(config, store),
        store=store,
        print_report=report_printer(config, a4),
        speaker=speaker if config.voice.enabled else None,
    )
    keep_health(shell, store)
    return shell


def keep_health(shell: Shell, store: KioskStore) -> None:
    """Keep the devices' health in the database whenever the staff alert may have changed (and
    once now), so the uploader's heartbeat tells the province: the UI process has no network.
    A write that fails (the database busy past its timeout) is logged and tried at the next
    change; it never reaches the candidate's screen."""
    def save() -> None:
        try:
            record_health(store, shell.health.parts())
        except Exception as exc:  # noqa: BLE001 - a heartbeat's detail, not worth a screen
            event(log, LogEvent.HEALTH_NOT_SAVED, level=logging.WARNING,
                  error_type=type(exc).__name__)

    shell.on_health(save)
    save()


def _sim_card_slot(config: Config) -> CardSlotLike:
    from hardware.idcard.sim import SimCardSlot

    return SimCardSlot(config.sim_dir)


def _sim_staff_slot(config: Config) -> StaffSlotLike | None:
    """The development staff cards' slot, when `start_staffcard_simulator` started the
    simulated reader (its vpcd port written); None with a real reader or none."""
    from hardware.staffcard.sim.dev_card import DevStaffSlot

    folder = config.sim_dir / "staffcard"
    return DevStaffSlot(folder) if (folder / "vpcd.port").exists() else None


def start_idcard_simulator(config: Config) -> Config:
    """`--simulate`: the GA 467 reader simulator on a pty, so a simulated kiosk reads cards
    through the real serial adapter; it shares the slot file that the simulator's buttons, the
    dev players and the tests place cards in. Returns the config reading from its pty."""
    from hardware.idcard.sim.process import SimulatorProcess, sam_latency_of

    sim = SimulatorProcess(config.sim_dir, sam_latency=sam_latency_of(config.devices.idcard))
    event(log, LogEvent.KIOSK_IDCARD_SIM_STARTED, pid=sim.pid, device=sim.device)
    atexit.register(sim.stop)
    return replace(config, devices=replace(config.devices, idcard=sim.uri))


def start_staffcard_simulator(config: Config) -> Config:
    """`--simulate`: a private pcscd with a vpcd reader, and the development staff CA and
    clerk's and supervisor's cards (PIN `hardware.staffcard.sim.dev_card.DEV_PIN`) in
    sim_dir/staffcard; the simulator's buttons on screen put them in, or a card goes in with
    `python -m hardware.staffcard.sim --state FILE --port N` (the port in
    sim_dir/staffcard/vpcd.port). A staff card reader already configured is kept; without
    pcscd or vpcd the kiosk runs without one, and says so in the log."""
    folder = config.sim_dir / "staffcard"
    (folder / "vpcd.port").unlink(missing_ok=True)  # an earlier run's: its pcscd is gone
    if config.devices.staffcard:
        return config
    from hardware.staffcard.sim.dev_card import ensure_dev_card
    from hardware.staffcard.sim.pcscd import PcscError, PrivatePcscd, missing_packages

    why = missing_packages()
    if why is not None:
        event(log, LogEvent.KIOSK_STAFFCARD_SIM_UNAVAILABLE, reason=why)
        return config
    ca, _card = ensure_dev_card(folder)
    try:
        pcscd = PrivatePcscd().start()
    except PcscError as exc:
        event(log, LogEvent.KIOSK_STAFFCARD_SIM_UNAVAILABLE, reason=str(exc)[:200])
        return config
    atexit.register(pcscd.stop)
    (folder / "vpcd.port").write_text(f"{pcscd.port}\n", encoding="ascii")
    event(log, LogEvent.KIOSK_STAFFCARD_SIM_STARTED, port=pcscd.port)
    staff = config.staff if config.staff.ca else replace(config.staff, ca=str(ca))
    return replace(config, staff=staff,
                   devices=replace(config.devices, staffcard=pcscd.reader_uri))


def open_staff_card_reader(config: Config) -> StaffCardReader | None:
    """The staff card reader `devices.staffcard` names, or None when it names none. It trusts
    the staff CA in force at each card (`kiosk.staff_signin.trusted_staff_ca`: the signed
    bundle's, else `[staff] ca`). pcscd is reached at first use, so a kiosk starts without it;
    its calls then raise StaffCardError('reader_unavailable')."""
    if not config.devices.staffcard:
        return None
    from hardware.staffcard.pcsc import open_staffcard_reader
    from kiosk.staff_signin import staff_county, trusted_staff_ca

    # The CA is read at each card, never here: an unreadable one refuses cards, it does not
    # stop the kiosk.
    return open_staffcard_reader(config.devices.staffcard,
                                 ca_pem=lambda: trusted_staff_ca(config),
                                 county=staff_county(config))


def staff_sign_in(config: Config, store: KioskStore) -> Callable[[StaffCard, str], StaffMember]:
    """The sign-in sequence with this machine's persisted software lockout and its policy
    (`kiosk.staff_signin.sign_in`): what the staff panel's PIN pad calls."""
    from kiosk.staff_signin import lockout_policy, sign_in

    policy = lockout_policy(config)
    return lambda card, pin: sign_in(card, pin, store.staff_lockout, policy)
