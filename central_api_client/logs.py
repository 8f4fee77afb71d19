"""Logs as JSON lines on stdout (journald), each with an event id from the one table below.

Every program (the kiosk, its uploader, the devices' adapters, the reference server) writes the
same line format, so this sits in the package they all import. Callers pass a `LogEvent` and
plain facts; nothing personal belongs in a log. As a second line of defence the formatter blanks
anything shaped like an ID number before it is written.

Ids are `area.what_happened`, two levels, with one area per part of the system (see
`LogEvent`'s members); a test holds every id to that shape and to a one-line description.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from enum import StrEnum
from typing import Any

_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class LogEvent(StrEnum):
    """Every log event id, with a line saying what it means (for whoever reads the journal)."""

    description: str

    def __new__(cls, value: str, description: str) -> LogEvent:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    API_AUDIT_CHAIN_REGRESSED = (
        "api.audit_chain_regressed",
        "a device's audit chain head shows fewer entries, or other ones, than it showed before",
    )
    CONFIG_APPLIED = (
        "config.applied", "the kiosk's updater applied a newer signed configuration bundle",
    )
    CONFIG_REFUSED = (
        "config.refused",
        "the kiosk's updater refused an update (rollback, expired, bad or too few signatures,"
        " tampered, invalid) or could not reach the repository; the last good bundle stays",
    )
    API_DAY_REPORT = (
        "api.day_report", "a device's end-of-day report was kept (device and day only)",
    )
    API_AUTH_REFUSED = (
        "api.auth_refused",
        "a request's device authentication was refused (`error` says why)",
    )
    API_BATCH_STORED = "api.batch_stored", "a batch upload was handled (counts stored and sent)"
    API_UPLOADS_PACED = (
        "api.uploads_paced",
        "uploads were told the server is busy, with appointments (how many since the last line)",
    )
    API_DEVICE_ENROLLED = (
        "api.device_enrolled",
        "a device was enrolled with a one-time token (or its enrolment answered again)",
    )
    API_DEV_ENROL_ON = (
        "api.dev_enrol_on",
        "the server trusts unknown devices on first use (development only)",
    )
    API_DEV_ENROLLED = (
        "api.dev_enrolled",
        "an unknown device was enrolled on first use (development only)",
    )
    API_DEV_RECEIPT_KEY = (
        "api.dev_receipt_key",
        "the server made its own receipt key (development only)",
    )
    API_ENROL_REFUSED = (
        "api.enrol_refused",
        "an enrolment was refused (`error` says why; the token id only, never its secret)",
    )
    API_INTERNAL_ERROR = "api.internal_error", "an unexpected server error answered 500 (type only)"
    API_LISTENING = "api.listening", "the reference server is listening"
    API_RECORD_CONFLICT = (
        "api.record_conflict",
        "a record id already holds a different blob: refused with 409",
    )
    API_RECORD_REJECTED = "api.record_rejected", "a record failed verification: refused with 422"
    API_RECORD_REPEATED = (
        "api.record_repeated",
        "a record already held was sent again: acknowledged again",
    )
    API_RECORD_STORED = "api.record_stored", "a new record was stored durably"
    API_HEARTBEAT = "api.heartbeat", "a device's heartbeat was kept (its latest replaces the last)"
    API_VOIDS_REPORTED = "api.voids_reported", "a device reported sequence numbers it voided"
    API_CANDIDATE_LOOKUP = (
        "api.candidate_lookup", "a device looked one candidate up (sealed; `found` says if here)",
    )
    API_CANDIDATE_ROSTER = "api.candidate_roster", "a device fetched its point's roster (sealed)"
    API_CANDIDATES_IMPORTED = "api.candidates_imported", "candidates' online data was imported"
    CANDIDATE_LOOKUP = (
        "candidate.lookup",
        "the kiosk looked a candidate up: `source` api, roster or none (never the number)",
    )
    CANDIDATE_API_UNAVAILABLE = (
        "candidate.api_unavailable",
        "the provincial API did not answer a candidate lookup in time: the roster is asked",
    )
    CANDIDATE_ROSTER_SYNCED = (
        "candidate.roster_synced", "this point's roster was fetched and stored sealed at rest",
    )
    CANDIDATE_ROSTER_SYNC_FAILED = (
        "candidate.roster_sync_failed", "fetching this point's roster failed (`error` says why)",
    )
    CANDIDATE_ROSTER_PURGED = (
        "candidate.roster_purged", "a stored roster was deleted: its window closed",
    )

    AUTOPLAY_CRASH = "autoplay.crash", "a scripted run crashed the kiosk on purpose (test drivers)"
    AUTOPLAY_DONE = "autoplay.done", "a scripted run finished"
    AUTOPLAY_FAILED = "autoplay.failed", "a scripted run failed (what it waited for)"
    AUTOPLAY_ITERATION = "autoplay.iteration", "a scripted run finished one candidate"
    AUTOPLAY_PHOTO_GUIDANCE = (
        "autoplay.photo_guidance",
        "a scripted run saw a photo guidance sentence",
    )
    AUTOPLAY_PHOTO_TAKEN = "autoplay.photo_taken", "a scripted run saw the photo taken"
    AUTOPLAY_PLACE_CARD = "autoplay.place_card", "a scripted run placed a simulated card"
    AUTOPLAY_PREVIEW_RATE = (
        "autoplay.preview_rate",
        "a scripted run measured the preview's frame rate",
    )
    AUTOPLAY_SCREEN_TEXT = (
        "autoplay.screen_text",
        "a scripted run read the attract or notice screen's words (never a candidate's data)",
    )
    AUTOPLAY_SHOT = "autoplay.shot", "a scripted run saved a screenshot"
    AUTOPLAY_TAP = "autoplay.tap", "a scripted run tapped a widget"
    AUTOPLAY_WAITED = (
        "autoplay.waited",
        "a scripted run waited for the kiosk (`what`, `seconds`): the speed bench's system time",
    )
    AUTOPLAY_STAFF_TIMING = (
        "autoplay.staff_timing",
        "a scripted run timed a staff card to the PIN pad and the right PIN to the panel",
    )

    CAMERA_LOST = "camera.lost", "the camera stopped delivering frames"
    CAMERA_OPENED = "camera.opened", "the camera was opened"
    CAMERA_START_FAILED = "camera.start_failed", "the camera could not be started"

    EFFECTS_ERROR = "effects.error", "an effect raised an unexpected error (type only)"
    EFFECTS_FAILED = "effects.failed", "an effect failed with a known code"

    HEALTH_CAMERA_BACK = "health.camera_back", "the camera delivers frames again"
    HEALTH_CAMERA_LOST = "health.camera_lost", "the camera is gone: a staff alert"
    HEALTH_READER_BACK = "health.reader_back", "the ID card reader answers again"
    HEALTH_READER_LOST = "health.reader_lost", "the ID card reader stopped answering: a staff alert"
    HEALTH_NOT_SAVED = (
        "health.not_saved",
        "the devices' health could not be kept for the heartbeat (next change tries again)",
    )
    HEALTH_PRINTER = "health.printer", "the printer's staff alert changed (alert=none: well)"

    IDCARD_ADAPTER_ERROR = "idcard.adapter_error", "the reader adapter raised an unexpected error"
    IDCARD_CALLBACK_FAILED = "idcard.callback_failed", "the card watcher's listener raised"
    IDCARD_CARD_LIFTED_DURING_READ = (
        "idcard.card_lifted_during_read",
        "the card was lifted while it was being read",
    )
    IDCARD_CARD_READ = "idcard.card_read", "a card was read"
    IDCARD_CARD_READ_FAILED = (
        "idcard.card_read_failed",
        "a card could not be read after the retries",
    )
    IDCARD_CHIP_PHOTO_DECODE_FAILED = (
        "idcard.chip_photo_decode_failed",
        "the vendor's chip photo decoder failed on a card",
    )
    IDCARD_POLL_CRASHED = (
        "idcard.poll_crashed",
        "the card watcher's polling loop crashed and restarts",
    )
    IDCARD_READER_BACK = "idcard.reader_back", "the reader answers again"
    IDCARD_READER_LOST = "idcard.reader_lost", "the reader stopped answering"
    IDCARD_REREAD = "idcard.reread", "the GA 467 reader re-read a card after a bad frame"
    IDCARD_RESEND = "idcard.resend", "a GA 467 command was sent again after a bad answer"
    IDCARD_SIM_STARTED = "idcard.sim_started", "the GA 467 simulator is serving a pty"
    IDCARD_WLT_DECODE_FAILED = "idcard.wlt_decode_failed", "the chip photo decoder failed"
    IDCARD_WLT_UNAVAILABLE = "idcard.wlt_unavailable", "no chip photo decoder is installed"

    KIOSK_IDCARD_SIM_STARTED = (
        "kiosk.idcard_sim_started",
        "the kiosk started the GA 467 simulator (--simulate)",
    )
    KIOSK_READY = "kiosk.ready", "the kiosk shows its first screen"
    KIOSK_STAFFCARD_SIM_STARTED = (
        "kiosk.staffcard_sim_started",
        "--simulate: a private pcscd with the PIV card emulator's reader started (the port)")
    KIOSK_STAFFCARD_SIM_UNAVAILABLE = (
        "kiosk.staffcard_sim_unavailable",
        "--simulate: no staff card reader, pcscd or vpcd is missing (the reason)")
    KIOSK_STARTING = "kiosk.starting", "the kiosk is starting"
    KIOSK_UPLOADER_STARTED = (
        "kiosk.uploader_started",
        "the kiosk started the uploader process (--simulate)",
    )

    LIGHT_CLOSE_FAILED = "light.close_failed", "the fill light's relay could not be closed cleanly"
    LIGHT_FAILED = "light.failed", "the fill light failed: a staff alert"

    PHOTO_MADE = "photo.made", "a standard photo was made"
    PHOTO_FACE_IN_PLACE = (
        "photo.face_in_place", "the live verdict turned good: the candidate is in place",
    )
    PHOTO_COUNTDOWN_STARTED = (
        "photo.countdown_started", "the face stayed in place long enough: the countdown runs",
    )
    PHOTO_CAPTURED = "photo.captured", "the countdown ended: the photo is cut from a good frame"
    PHOTO_REVIEW_SHOWN = (
        "photo.review_shown", "the photo taken is shown for the candidate's review",
    )
    PHOTO_REFUSED = "photo.refused", "a frame could not be cut to the standard photo"
    PHOTO_SIZE_REFUSED = (
        "photo.size_refused",
        "no JPEG quality gives a photo within the size bounds",
    )

    PRINTER_A4_SUBMITTED = "printer.a4_submitted", "an A4 form was handed to the CUPS queue"
    PRINTER_A4_PRINTED = "printer.a4_printed", "the CUPS queue finished an A4 job"
    PRINTER_A4_FAILED = "printer.a4_failed", "an A4 job failed, was refused or timed out"
    PRINTER_FORM_PRINTED = (
        "printer.form_printed", "a second visit's A4 form was printed (`form`: its name)"
    )
    PRINTER_LOGIN_CARD_PRINTED = "printer.login_card_printed", "the login card was printed"

    RECORD_SAVED = "record.saved", "a record was sealed and committed to the outbox"

    SEAL_DEV_PROVINCE_KEY_GENERATED = (
        "seal.dev_province_key_generated",
        "a development province key was made (records not sealed to the province)",
    )
    SEAL_DEVICE_KEY_GENERATED = "seal.device_key_generated", "a device key was made"

    SEQUENCE_RESERVED = "sequence.reserved", "a sequence number was reserved for a session"
    SEQUENCE_VOIDED = "sequence.voided", "numbers reserved by sessions that never finished voided"
    SEQUENCE_VOIDS_REPORTED = "sequence.voids_reported", "voided numbers reported to the province"

    EXCEPTION_STARTED = (
        "exception.started",
        "staff started a candidate's session for an exception case (`case`, `staff_number`)",
    )
    EXCEPTION_ENTRY_REFUSED = (
        "exception.entry_refused",
        "a hand-entered field was refused: `field` and `code` only, never what was typed",
    )
    EXCEPTION_ENTRY_ACCEPTED = (
        "exception.entry_accepted",
        "staff's hand entry passed its checks (`card_type`; `corrected`: fields changed)",
    )
    EXCEPTION_DISPUTE_RAISED = (
        "exception.dispute_raised",
        "a candidate called staff (`kind`: not_me or data_wrong; `fields`: names, never values)",
    )
    EXCEPTION_DISPUTE_RESOLVED = (
        "exception.dispute_resolved",
        "staff answered a dispute (`action`: correct, central or end; `staff_number`)",
    )
    EXCEPTION_APPROVED = (
        "exception.approved",
        "a supervisor approved a hand-entered record before sealing (`staff_number`)",
    )
    EXCEPTION_APPROVAL_REFUSED = (
        "exception.approval_refused",
        "a card could not approve a hand-entered record (`code`, `staff_number`)",
    )
    SESSION_CARD_FAILED = (
        "session.card_failed",
        "the reader could not finish a card (`code`; card_removed: lifted mid-read, ignored)",
    )
    SESSION_CARD_PRESENTED = "session.card_presented", "a card was read and handed to the session"
    SESSION_IDENTITY_SHOWN = (
        "session.identity_shown",
        "the identity screen shows a candidate's card (no fields logged)",
    )
    SESSION_SCREEN = "session.screen", "the screen changed"

    STAFFCARD_CALLBACK_FAILED = (
        "staffcard.callback_failed", "the staff card watcher's listener raised (type only)")
    STAFFCARD_WATCH_STOPPED = (
        "staffcard.watch_stopped",
        "the staff card watcher lost the reader or pcscd (it tries again every second)")
    SESSION_START = "session.start", "a session started"

    STAFF_CARD_INSERTED = (
        "staff.card_inserted",
        "a staff card was inserted (waiting=true: a candidate is being served, the banner shows)",
    )
    STAFF_CARD_REFUSED = (
        "staff.card_refused",
        "a staff card or its PIN was refused (`code`, tries left or lockout seconds; the staff"
        " number when the card was read, never the name or PIN)",
    )
    STAFF_SIGNED_IN = (
        "staff.signed_in", "a staff member signed in (staff number, role, card fingerprint)",
    )
    STAFF_SIGNED_OUT = (
        "staff.signed_out",
        "a staff session ended (`why`: card_removed, idle, max_age, signed_out)",
    )
    STAFF_TOOK_OVER = (
        "staff.took_over", "staff took the kiosk over from a candidate (the session cancelled)",
    )
    STAFF_NOT_SAVED = (
        "staff.not_saved", "a candidate session's start or end could not be counted (database)",
    )
    STAFF_PAUSED = "staff.paused", "staff paused this kiosk (`reason`, staff number)"
    STAFF_RESUMED = "staff.resumed", "staff resumed this kiosk after their pause"
    STAFF_VOICE = "staff.voice", "staff turned the spoken guidance on or off (`on`, staff number)"
    STAFF_VOIDED = (
        "staff.voided", "staff voided an unfinished session's number (`reason`, staff number)",
    )
    STAFF_REPRINT = "staff.reprint", "staff printed a failed login card again"
    STAFF_DAY_REPORT_PRINTED = (
        "staff.day_report_printed", "the end-of-day report went to the A4 printer",
    )
    STAFF_DAY_REPORT_CONFIRMED = (
        "staff.day_report_confirmed", "a supervisor confirmed the end-of-day report",
    )
    STAFF_DAY_REPORT_UNSENDABLE = (
        "staff.day_report_unsendable",
        "a stored end-of-day report does not pass the contract and is not sent (`reason`)",
    )
    STAFF_DAY_REPORT_SENT = (
        "staff.day_report_sent", "the uploader sent a confirmed end-of-day report to the province",
    )

    TPM_FILE_KEYS = (
        "tpm.file_keys",
        "DEVELOPMENT: the device key and secrets are plain files, not in a TPM (--simulate)",
    )
    TPM_KEY_CREATED = "tpm.key_created", "a device signing key was made in the TPM"
    TPM_SECRET_SEALED = "tpm.secret_sealed", "a secret was made and sealed to the TPM"

    UI_ERROR = "ui.error", "an unexpected error in a screen; the session starts over"

    UPLOADER_ACKNOWLEDGED = "uploader.acknowledged", "the province acknowledged a record"
    UPLOADER_AFTER_DRAIN_FAILED = (
        "uploader.after_drain_failed",
        "a request after a drain (voided numbers, the audit chain's head) failed: next time",
    )
    UPLOADER_BACKOFF = "uploader.backoff", "the uploader waits before the next try"
    UPLOADER_BUSY_WAIT = (
        "uploader.busy_wait", "the province is busy: the uploader keeps its appointment")
    UPLOADER_BAD_ACK = "uploader.bad_ack", "an acknowledgement did not match the record sent"
    UPLOADER_CONFIG_ERROR = (
        "uploader.config_error",
        "the uploader cannot read the machine's configuration",
    )
    UPLOADER_HEARTBEAT_FAILED = (
        "uploader.heartbeat_failed",
        "a heartbeat to the province failed (`error_type`); uploads go on, it is sent again later",
    )
    UPLOADER_HEARTBEAT_SENT = "uploader.heartbeat_sent", "a heartbeat reached the province"
    UPLOADER_DRAIN_FAILED = "uploader.drain_failed", "a drain failed unexpectedly"
    UPLOADER_DRAINED = "uploader.drained", "a drain finished"
    UPLOADER_NOT_CONFIGURED = (
        "uploader.not_configured",
        "the uploader lacks a key or a usable API address, or found a development key",
    )
    UPLOADER_PURGE_FAILED = "uploader.purge_failed", "purging acknowledged blobs failed"
    UPLOADER_PURGED = "uploader.purged", "acknowledged blobs past retention were purged"
    UPLOADER_REJECTED = "uploader.rejected", "the province refused a record (kept, retried later)"
    UPLOADER_RESUME_WAIT = (
        "uploader.resume_wait",
        "the uploader resumes a wait it was told before a restart",
    )
    UPLOADER_SERVER_UNAVAILABLE = (
        "uploader.server_unavailable",
        "the province's server is unreachable or failing",
    )
    UPLOADER_START = "uploader.start", "the uploader process started"
    UPLOADER_STATE_NOT_SAVED = "uploader.state_not_saved", "the uploader could not save its status"
    UPLOADER_STOPPED = "uploader.stopped", "the uploader process stopped"
    UPLOADER_STOPPING = "uploader.stopping", "the uploader was asked to stop"
    VOICE_FAILED = "voice.failed", "the voice could not speak a sentence (`error` says why)"



def redact(text: str) -> str:
    return _ID_NUMBER.sub("[id-number]", text)


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": getattr(record, "event", None) or f"{record.name}.message",
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def setup_logging(level: int = logging.INFO, stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def event(logger: logging.Logger, event_id: LogEvent, msg: str = "", level: int = logging.INFO,
          **facts: Any) -> None:
    """Log one event: `event(log, LogEvent.SESSION_START, workflow="collect")`."""
    logger.log(level, msg or event_id.value, extra={"event": event_id.value, **facts})
