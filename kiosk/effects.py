"""Carries out what the session asks for: a sequence number, the standard photo, the signature's
picture, saving a record, printing (the login card; the second visits' A4 forms), finding a
candidate's online registration, passing on a correction request.

Runs on the shell's worker thread so the screen never waits on the disk, a printer or an image
encoder (a standard JPEG takes tens of ms: frames would be dropped on the UI thread). Every
outcome comes back as an event; an unexpected exception becomes `internal_error` (logged
without details that could hold personal data) rather than a frozen kiosk.
"""

from __future__ import annotations

import logging

from central_api_client.logs import LogEvent, event
from hardware.printer import Printer
from hardware.printer.a4 import A4Printer
from hardware.printer.font_file import FontFile
from kiosk.config import Config
from kiosk.core import events as ev
from kiosk.core.candidates import CandidateLookup
from kiosk.core.errors import CodedError
from kiosk.core.record import Signature
from kiosk.imaging import PhotoRefused, signature_png, standard_photo
from kiosk.seal import Sealer
from kiosk.store import KioskStore
from kiosk.visits import IdHasher

log = logging.getLogger(__name__)


class EffectRunner:
    def __init__(self, config: Config, store: KioskStore, sealer: Sealer, printer: Printer,
                 hasher: IdHasher | None = None, *, a4: A4Printer | None = None,
                 candidates: CandidateLookup | None = None,
                 font: FontFile | None = None) -> None:
        """`a4` and `candidates` only where the machine runs a second visit (`confirm`,
        `adult-confirm`); without them those effects fail with a code staff can act on."""
        self.config = config
        self.a4 = a4
        self.candidates = candidates
        self.font = font
        self.store = store
        self.sealer = sealer
        self.printer = printer
        if hasher is None and config.devices.tpm.strip() not in ("", "file:"):
            # The secret is sealed to the TPM: only the wiring's key store may unseal it.
            raise ValueError("a kiosk with a TPM hashes ID numbers with its sealed secret:"
                             " pass the hasher (wiring.build does)")
        self.hasher = hasher or IdHasher.from_keys_dir(config.keys_dir)

    def run(self, effect: ev.Effect) -> ev.EffectOutcome:
        name = type(effect).__name__
        try:
            if isinstance(effect, ev.ReserveNumber):
                return self._reserve(effect)
            if isinstance(effect, ev.SaveRecord):
                return self._save(effect)
            if isinstance(effect, ev.EncodePhoto):
                return self._photo(effect)
            if isinstance(effect, ev.RenderSignature):
                png = signature_png(effect.strokes)
                return ev.SignatureRendered(effect.session_id, Signature(png, effect.strokes))
            if isinstance(effect, ev.FindCandidate):
                return self._find(effect)
            if isinstance(effect, ev.PrintForm):
                return self._print_form(effect)
            if isinstance(effect, ev.PrintLoginCard):
                after = self.printer.print_login_card(effect.card)
                event(log, LogEvent.PRINTER_LOGIN_CARD_PRINTED, paper=after.paper)
                return ev.Printed(effect.session_id, paper_near_end=after.paper == "near_end")
            raise TypeError(f"unknown effect {name}")
        except CodedError as exc:  # a kiosk rule or a device (the printer) said no, with a code
            event(log, LogEvent.EFFECTS_FAILED, level=logging.WARNING, effect=name, code=exc.code)
            return ev.EffectFailed(effect.session_id, name, exc.code)
        except Exception as exc:  # noqa: BLE001 - the kiosk must stay up and say so
            event(log, LogEvent.EFFECTS_ERROR, level=logging.ERROR, effect=name,
                  error_type=type(exc).__name__)
            return ev.EffectFailed(effect.session_id, name, "internal_error")

    def _photo(self, effect: ev.EncodePhoto) -> ev.EffectOutcome:
        """The standard photo from the frame auto-capture chose, or why it cannot be made."""
        try:
            jpeg = standard_photo(effect.image, analysis=effect.analysis)  # type: ignore[arg-type]
        except PhotoRefused as refused:
            event(log, LogEvent.PHOTO_REFUSED, reasons=list(refused.reasons))
            return ev.PhotoRefused(effect.session_id, refused.reasons)
        return ev.PhotoTaken(effect.session_id, jpeg)

    def _reserve(self, effect: ev.ReserveNumber) -> ev.EffectOutcome:
        c = self.config
        _, first, last = c.sequence_range()  # the enrolled category's range, if enrolled
        number = self.store.numbers.reserve(c.device.county_code, first, last, effect.session_id)
        event(log, LogEvent.SEQUENCE_RESERVED, number=number)
        return ev.NumberReserved(effect.session_id, number)

    def _save(self, effect: ev.SaveRecord) -> ev.EffectOutcome:
        sealed = self.sealer.seal(effect.record)
        id_hash = self.hasher.digest(effect.record.document.id_number)
        earlier = self.store.outbox.visits(id_hash)
        self.store.commit_record(sealed, effect.record.sequence_number, id_hash=id_hash,
                                 spend=effect.record.spends_number)
        # A second visit is allowed (a corrected record); staff may want to know. Count only.
        event(log, LogEvent.RECORD_SAVED, record_id=sealed.record_id, size=sealed.size,
              earlier_visits=earlier)
        return ev.RecordSaved(effect.session_id)

    def _find(self, effect: ev.FindCandidate) -> ev.EffectOutcome:
        if self.candidates is None:
            return ev.EffectFailed(effect.session_id, "FindCandidate", "candidates_unavailable")
        # The lookup logs which source answered (`candidate.lookup`), never the number.
        return ev.CandidateFound(effect.session_id,
                                 self.candidates.find(effect.exam, effect.id_number))

    def _print_form(self, effect: ev.PrintForm) -> ev.EffectOutcome:
        if self.a4 is None or self.font is None:
            return ev.EffectFailed(effect.session_id, "PrintForm", "a4_cups_unavailable")
        # Here, not at the top: fpdf2 and fontTools hold ~30 MB that a kiosk printing no A4
        # form (a first visit's workflow) need never load (the memory bench, issue 16).
        from hardware.printer.forms_pdf import render_form

        pdf = render_form(effect.form, effect.data, self.font,
                          language=self.config.display.language)
        self.a4.print_pdf(pdf, title=effect.form.name)  # the job's title: nothing personal
        event(log, LogEvent.PRINTER_FORM_PRINTED, form=effect.form.name)
        return ev.Printed(effect.session_id)
