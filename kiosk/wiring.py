"""Puts the kiosk together from its configuration: devices by URI, store, sealer, session, UI.

The one place that knows every concrete class; everything it builds is handed on as a Protocol.
"""

from __future__ import annotations

from hardware.camera import open_camera
from hardware.idcard import open_idcard_reader
from hardware.idcard.wlt import load_decoder
from hardware.light import open_light
from hardware.printer import open_printer
from kiosk.config import Config
from kiosk.core.session import Session, SessionSettings
from kiosk.core.steps import StepSettings
from kiosk.core.workflows import get_workflow
from kiosk.effects import EffectRunner
from kiosk.fonts import cjk_font_path
from kiosk.seal import Sealer
from kiosk.store import open_store


def session_settings(config: Config) -> SessionSettings:
    s = config.session
    return SessionSettings(
        workflow=get_workflow(s.workflow),
        step=StepSettings(device_id=config.device.id, max_photo_retakes=config.photo.max_retakes),
        idle_timeout_s=s.idle_timeout_s,
        done_dwell_s=s.done_dwell_s,
        notice_dwell_s=s.notice_dwell_s,
    )


def build_app(config: Config, autoplay=None, simulate: bool = False):
    from kiosk.ui.app import KioskApp, register_fonts

    regular, bold = cjk_font_path(), cjk_font_path(bold=True)
    register_fonts(regular, bold)
    store = open_store(config)
    # Development keys only ever for a simulated kiosk: a real one without its province key
    # must refuse to start rather than seal records the province cannot open.
    sealer = Sealer.from_keys_dir(config.keys_dir, config.device.id, generate_dev_keys=simulate)
    printer = open_printer(config.devices.printer, config.sim_dir, regular)
    runner = EffectRunner(config, store, sealer, printer)
    reader = open_idcard_reader(config.devices.idcard, config.sim_dir)
    camera = open_camera(config.devices.camera, config.sim_dir)
    light = open_light(config.devices.light, config.sim_dir)  # guarded: failures only warn

    app_ref: list = []
    session = Session(
        session_settings(config),
        run_effect=lambda e: app_ref[0].run_effect(e),
        # The disk guard: no new candidate when a record might not fit (staff must act).
        refuse_start=lambda: None if store.disk_ok() else "disk_full",
    )
    decoder = load_decoder(config.devices.wlt_library or None)
    app = KioskApp(config, session, runner, camera=camera, reader=reader, light=light,
                   autoplay=autoplay,
                   simulate=simulate, chip_photo_decoder=decoder.decode if decoder else None)
    app_ref.append(app)
    return app
