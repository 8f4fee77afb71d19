"""Who a staff card says its holder is, and the rules around signing in with it.

The card adapter (`hardware.staffcard`) reads and checks the certificate and the PIN; what the
kiosk then does with a staff member (which role may do what, when the software lockout lets the
next PIN through, when a staff session ends) is decided here, pure and unit-tested, so the staff
panel, `kioskctl staff check` and the tests read one set of rules.

`StaffMember.name` is personal data: it is shown on the panel and never logged; audit entries
name a staff member by `staff_number` and the certificate's `fingerprint`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from kiosk.core.errors import DeviceError

StaffRole = Literal["staff", "supervisor", "technician"]
ROLES: tuple[StaffRole, ...] = ("staff", "supervisor", "technician")

# What may go wrong signing in with a staff card; each has its words in `kiosk.core.texts`
# (`staff_error_<code>`) and is what `kioskctl staff check` prints.
STAFF_CARD_ERROR_CODES: frozenset[str] = frozenset({
    "wrong_pin",  # tries_left says how many the card still allows
    "locked_out",  # the software lockout: seconds says how long
    "pin_blocked",  # the card answered 69 83: only the staff CA's office can unblock it
    "untrusted_card",  # the certificate does not chain to the staff CA, or the challenge failed
    "expired_card",  # outside the certificate's validity
    "wrong_county",  # a good card, for another county
    "no_card",
    "card_removed",  # pulled out while it was being used
    "reader_unavailable",  # no PC/SC reader, or pcscd not running
    "card_failed",  # a card is there but does not answer as a PIV card
})


class StaffCardError(DeviceError):
    """A staff card could not sign its holder in. Never holds the PIN or the holder's name."""

    code = "card_failed"
    codes = STAFF_CARD_ERROR_CODES

    def __init__(self, code: str, detail: str = "", *, tries_left: int | None = None,
                 seconds: int | None = None) -> None:
        super().__init__(code, detail)
        self.tries_left = tries_left
        self.seconds = seconds


@dataclass(frozen=True)
class StaffMember:
    """The holder of a checked staff card, from its certificate's subject."""

    name: str = field(repr=False)
    staff_number: str
    role: StaffRole
    county: str  # six-digit administrative code, e.g. 430102
    point: str  # the registration point the card was issued for ("" = any point of the county)
    not_after: datetime  # the certificate's end of validity (UTC)
    fingerprint: str  # sha256 of the certificate, hex: names the card in audit entries

    def may(self, action: StaffAction) -> bool:
        return self.role in ALLOWED[action]


@dataclass(frozen=True)
class CardSignature:
    """What a signed-in staff card's key 9A made of a digest, and the certificate that
    proves whose key it is (DER)."""

    signature: bytes = field(repr=False)
    certificate: bytes = field(repr=False)


StaffAction = Literal["panel", "exception", "approve", "void", "end_of_day", "technician"]
ALLOWED: dict[StaffAction, frozenset[StaffRole]] = {
    "panel": frozenset(ROLES),
    "exception": frozenset({"staff", "supervisor"}),
    "approve": frozenset({"supervisor"}),
    "void": frozenset({"staff", "supervisor"}),
    "end_of_day": frozenset({"supervisor"}),
    "technician": frozenset({"technician"}),
}


@dataclass(frozen=True)
class LockoutPolicy:
    """The software lockout on top of the card's own counter (vxsuite's `lockout.ts`)."""

    free_tries: int = 5  # wrong PINs in a row before the first wait
    base_s: int = 15  # the first wait; each further wrong PIN doubles it
    max_s: int = 24 * 3600


def lockout_seconds(wrong_in_a_row: int, policy: LockoutPolicy = LockoutPolicy()) -> int:
    """How long PIN entry is refused after this many wrong PINs in a row: 0 up to `free_tries`,
    then `base_s × 2^(wrong − free_tries)`, capped."""
    if wrong_in_a_row < policy.free_tries:
        return 0
    exponent = min(wrong_in_a_row - policy.free_tries, 32)
    return min(policy.base_s * (1 << exponent), policy.max_s)


def lockout_remaining(wrong_in_a_row: int, last_wrong_at: datetime | None, now: datetime,
                      policy: LockoutPolicy = LockoutPolicy()) -> int:
    """Seconds until the next PIN may be tried (0: now). A clock that went back counts as
    the whole wait still ahead, so setting the clock back does not shorten a lockout."""
    wait = lockout_seconds(wrong_in_a_row, policy)
    if wait == 0 or last_wrong_at is None:
        return 0
    elapsed = (now - last_wrong_at).total_seconds()
    if elapsed < 0:
        return wait
    return max(0, int(wait - elapsed + 0.999))


@dataclass(frozen=True)
class StaffSessionLimits:
    idle_s: int = 5 * 60
    max_s: int = 12 * 3600


StaffSessionEnd = Literal["card_removed", "idle", "max_age"]


def staff_session_over(signed_in_at: datetime, last_touch_at: datetime, now: datetime,
                       limits: StaffSessionLimits = StaffSessionLimits()
                       ) -> StaffSessionEnd | None:
    """Why a staff session that still has its card must end now, or None. (Removing the card
    ends it at once; that is an event, not a time.)"""
    if (now - signed_in_at).total_seconds() >= limits.max_s:
        return "max_age"
    if (now - last_touch_at).total_seconds() >= limits.idle_s:
        return "idle"
    return None
