"""The PC/SC staff card reader (`pcsc://`, `pcsc://READER NAME`): pyscard against pcscd.

identify(): SELECT, read the certificates of keys 9A (PIV authentication) and 9E (card
authentication); both must chain to the staff CA, be valid now, name the same holder and be
for this county; then key 9E, which needs no PIN, signs a fresh challenge. 9E rather than 9A
because 9A signs only after the PIN, and the card must be proved genuine before the PIN pad
asks for anything. sign_in(pin): VERIFY, then key 9A signs a second fresh challenge, checked
against the 9A certificate.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding
from smartcard import scard

from central_api_client.logs import LogEvent
from central_api_client.logs import event as log_event
from hardware.staffcard import piv
from hardware.staffcard.card import StaffCard
from hardware.staffcard.link import Link, error_for, establish, list_readers, release
from hardware.staffcard.profile import check_certificate, parse_certificate, utc_now
from kiosk.core.staff import CardSignature, StaffCardError, StaffMember

log = logging.getLogger("hardware.staffcard")


def _check_signature(cert: x509.Certificate, digest: bytes, signature: bytes) -> None:
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)  # check_certificate made sure
    try:
        key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except (InvalidSignature, ValueError) as exc:
        raise StaffCardError("untrusted_card",
                             "the card does not hold its certificate's key") from exc


def _challenge() -> bytes:
    return hashlib.sha256(os.urandom(32)).digest()


class PcscStaffCard:
    """One inserted card, connected while this object lives."""

    def __init__(self, link: Link, ca: Callable[[], x509.Certificate], county: str | None,
                 now: Callable[[], datetime]) -> None:
        self._link, self._ca, self._county, self._now = link, ca, county, now
        self._lock = threading.Lock()
        self._member: StaffMember | None = None
        self._auth_cert: x509.Certificate | None = None
        self._selected = False
        self._signed_in = False  # the PIN verified on this connection

    def _select(self) -> None:
        if not self._selected:
            piv.select(self._link)
            self._selected = True

    def identify(self) -> StaffMember:
        with self._lock:
            return self._identify()

    def _identify(self) -> StaffMember:
        if self._member is not None and self._auth_cert is not None:
            return self._member
        self._select()
        now = self._now()
        auth = parse_certificate(piv.read_certificate(self._link, piv.SLOT_AUTH))
        ca = self._ca()
        member = check_certificate(auth, ca, now=now, county=self._county)
        card_auth = parse_certificate(piv.read_certificate(self._link, piv.SLOT_CARD_AUTH))
        check_certificate(card_auth, ca, now=now, county=self._county)
        if card_auth.subject != auth.subject:
            raise StaffCardError("untrusted_card", "the card's two certificates name two people")
        digest = _challenge()
        _check_signature(card_auth, digest, piv.sign_digest(self._link, piv.SLOT_CARD_AUTH,
                                                            digest))
        self._member, self._auth_cert = member, auth
        return member

    def tries_left(self) -> int:
        with self._lock:
            self._select()
            return piv.tries_left(self._link)

    def sign_in(self, pin: str) -> StaffMember:
        with self._lock:
            member = self._identify()
            assert self._auth_cert is not None
            piv.verify(self._link, pin)
            digest = _challenge()
            _check_signature(self._auth_cert, digest,
                             piv.sign_digest(self._link, piv.SLOT_AUTH, digest))
            self._signed_in = True
            return member

    def sign(self, digest: bytes) -> CardSignature:
        with self._lock:
            if not self._signed_in or self._auth_cert is None:
                raise StaffCardError("card_failed", "sign before the PIN was verified")
            signature = piv.sign_digest(self._link, piv.SLOT_AUTH, digest)
            _check_signature(self._auth_cert, digest, signature)
            return CardSignature(signature, self._auth_cert.public_bytes(Encoding.DER))

    def close(self) -> None:
        self._link.close()


class PcscStaffCardReader:
    """One reader slot (`name`, or the first reader when None), watched on a thread."""

    def __init__(self, name: str | None, trust: Callable[[], bytes | None], *,
                 county: str | None, now: Callable[[], datetime] = utc_now) -> None:
        self._name, self._trust, self._county, self._now = name, trust, county, now
        self._ca: tuple[bytes, x509.Certificate] | None = None
        self._context: int | None = None  # made at first use, again after pcscd went away
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._card: PcscStaffCard | None = None
        self._failing = False

    def _ctx(self) -> int:
        if self._context is None:
            self._context = establish()
        return self._context

    def _forget_context(self) -> None:
        if self._context is not None:
            release(self._context)
            self._context = None

    def reader_name(self) -> str:
        try:
            names = list_readers(self._ctx())
        except StaffCardError:
            self._forget_context()  # pcscd restarted: the next call makes a new context
            raise
        if self._name is None:
            if not names:
                raise StaffCardError("reader_unavailable", "no smart card reader")
            return names[0]
        if self._name not in names:
            raise StaffCardError("reader_unavailable", "the staff card reader is not connected")
        return self._name

    def _staff_ca(self) -> x509.Certificate:
        """The staff CA trusted now: asked at each card, so a new one applies to the next."""
        pem = self._trust()
        if pem is None:
            raise StaffCardError("untrusted_card", "no staff CA is installed on this machine")
        if self._ca is None or self._ca[0] != pem:
            try:
                self._ca = (pem, x509.load_pem_x509_certificate(pem))
            except ValueError:
                raise StaffCardError("untrusted_card",
                                     "the installed staff CA is not a PEM certificate") from None
        return self._ca[1]

    def current(self) -> PcscStaffCard:
        link = Link(self._ctx(), self.reader_name())
        return PcscStaffCard(link, self._staff_ca, self._county, self._now)

    def watch(self, on_inserted: Callable[[StaffCard], None],
              on_removed: Callable[[], None]) -> None:
        if self._thread is not None:
            raise RuntimeError("already watching")
        self._thread = threading.Thread(target=self._watch, args=(on_inserted, on_removed),
                                        name="staffcard-watch", daemon=True)
        self._thread.start()

    def _watch(self, on_inserted: Callable[[StaffCard], None],
               on_removed: Callable[[], None]) -> None:
        """Watch until close(); when the reader or pcscd goes away (unplugged, restarted), a
        card that was in counts as removed and the watching starts again once a second."""
        while not self._stop.is_set():
            try:
                self._watch_once(on_inserted, on_removed)
            except StaffCardError as exc:
                if not self._failing:  # once per outage, not every second of it
                    log_event(log, LogEvent.STAFFCARD_WATCH_STOPPED, level=logging.WARNING,
                              code=exc.code)
                self._failing = True
                if self._card is not None:
                    self._card.close()
                    self._card = None
                    self._call(on_removed)
            self._stop.wait(1.0)

    def _watch_once(self, on_inserted: Callable[[StaffCard], None],
                    on_removed: Callable[[], None]) -> None:
        """SCardGetStatusChange in short waits, so close() is noticed within 0.2 s."""
        context = establish()
        present = False
        try:
            reader = self.reader_name()
            self._failing = False
            state = scard.SCARD_STATE_UNAWARE
            while not self._stop.is_set():
                hresult, states = scard.SCardGetStatusChange(context, 200, [(reader, state)])
                if hresult == scard.SCARD_E_TIMEOUT:
                    continue
                if hresult != scard.SCARD_S_SUCCESS:
                    raise error_for(hresult)
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                now_present = bool(state & scard.SCARD_STATE_PRESENT)
                if now_present and not present:
                    try:
                        card = self.current()
                    except StaffCardError as exc:
                        if exc.code == "reader_unavailable":
                            raise
                        continue  # gone again before we connected
                    present = True
                    self._card = card
                    self._call(on_inserted, card)
                elif present and not now_present:
                    present = False
                    if self._card is not None:
                        self._card.close()
                        self._card = None
                    self._call(on_removed)
        finally:
            release(context)

    @staticmethod
    def _call(callback: Callable[..., None], *args: object) -> None:
        """A listener that raises must not stop the watching."""
        try:
            callback(*args)
        except Exception as exc:  # noqa: BLE001 - logged by type; the thread goes on
            log_event(log, LogEvent.STAFFCARD_CALLBACK_FAILED, level=logging.ERROR,
                      error_type=type(exc).__name__)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._forget_context()


def open_staffcard_reader(uri: str, *, ca_pem: bytes | Callable[[], bytes | None],
                          county: str | None,
                          now: Callable[[], datetime] = utc_now) -> PcscStaffCardReader:
    """The reader a `pcsc://[READER NAME]` URI names, trusting the staff CA in `ca_pem`, or
    the one a function returns at each card (the kiosk's: the signed bundle may bring a new
    one). ValueError for another URI; pcscd is reached at first use."""
    parts = urlsplit(uri)
    if parts.scheme != "pcsc":
        raise ValueError(f"not a staff card reader URI: {uri!r} (pcsc:// or pcsc://READER)")
    name = unquote(uri[len("pcsc://"):]).strip() or None
    if isinstance(ca_pem, bytes):
        fixed = ca_pem
        try:
            x509.load_pem_x509_certificate(fixed)
        except ValueError as exc:
            raise ValueError("the staff CA is not a PEM certificate") from exc
        return PcscStaffCardReader(name, lambda: fixed, county=county, now=now)
    return PcscStaffCardReader(name, ca_pem, county=county, now=now)
