"""Signing a staff member in with a card and a PIN: the one sequence the kiosk's PIN pad and
`kioskctl staff check` both run.

    identify the card (before any PIN) -> the software lockout (persisted per card) ->
    the card's own tries left -> VERIFY and key 9A's challenge -> the outcome recorded

Every wrong PIN and every sign-in goes to the audit log (`kiosk.store.staff_lockout`); the
rules (how long a lockout lasts) are `kiosk.core.staff`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hardware.staffcard.card import StaffCard
from kiosk.central_config import staff_ca_pem
from kiosk.config import Config
from kiosk.core.staff import (
    LockoutPolicy,
    StaffCardError,
    StaffMember,
    StaffSessionLimits,
    lockout_remaining,
)
from kiosk.store.staff_lockout import StaffLockout


@dataclass(frozen=True)
class StaffSettings:
    """What `[staff]` (and the applied bundle) say, ready for the card and the sequence."""

    ca_pem: bytes | None
    county: str  # six digits, or the city's four: cards of any county of it
    policy: LockoutPolicy
    limits: StaffSessionLimits


def staff_settings(config: Config) -> StaffSettings:
    """The staff CA is the applied bundle's when it carries one, else `[staff] ca`."""
    st = config.staff
    return StaffSettings(
        ca_pem=trusted_staff_ca(config), county=staff_county(config),
        policy=lockout_policy(config),
        limits=StaffSessionLimits(idle_s=st.idle_s, max_s=st.max_session_s))


def trusted_staff_ca(config: Config) -> bytes | None:
    """The staff CA in force (the applied bundle's, else `[staff] ca`'s file; None without
    one). StaffCardError('untrusted_card') when that file cannot be read: asked at each card,
    so a missing file refuses cards rather than stopping the kiosk."""
    ca = staff_ca_pem(config)
    if ca is None and config.staff.ca:
        try:
            ca = Path(config.staff.ca).expanduser().read_bytes()
        except OSError as exc:
            raise StaffCardError("untrusted_card", f"staff.ca {config.staff.ca}: cannot read"
                                                   f" ({exc.strerror})") from None
    return ca


def staff_county(config: Config) -> str:
    """Whose cards this machine admits: `[staff] county`, else the machine's own county."""
    return config.staff.county or config.device.county_code


def lockout_policy(config: Config) -> LockoutPolicy:
    return LockoutPolicy(free_tries=config.staff.lockout_free_tries,
                         base_s=config.staff.lockout_base_s)


def sign_in(card: StaffCard, pin: str, lockout: StaffLockout, policy: LockoutPolicy,
            now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> StaffMember:
    """The staff member the card and PIN sign in, or StaffCardError with one code: the card's
    own (untrusted_card, expired_card, wrong_county, card_removed ...), locked_out (seconds),
    pin_blocked, or wrong_pin (tries_left)."""
    member = card.identify()
    wrong, last = lockout.failures(member.fingerprint)
    wait = lockout_remaining(wrong, last, now(), policy)
    if wait > 0:
        raise StaffCardError("locked_out", f"try again in {wait} s", seconds=wait)
    if card.tries_left() == 0:
        raise StaffCardError("pin_blocked", "the card's PIN is blocked", tries_left=0)
    try:
        signed_in = card.sign_in(pin)
    except StaffCardError as exc:
        if exc.code in ("wrong_pin", "pin_blocked"):
            lockout.record_wrong(member.fingerprint, member.staff_number, now(),
                                 blocked=exc.code == "pin_blocked")
        raise
    lockout.record_signed_in(signed_in.fingerprint, signed_in.staff_number, signed_in.role)
    return signed_in
