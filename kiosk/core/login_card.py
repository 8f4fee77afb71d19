"""The login card (网报登录卡) the candidate takes home: what it says, not how it is printed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

PASSWORD_DIGITS = 8


def new_initial_password() -> str:
    """Digits only: the candidate types it on a phone keypad. From `secrets`, not `random`."""
    return "".join(secrets.choice("0123456789") for _ in range(PASSWORD_DIGITS))


@dataclass(frozen=True)
class LoginCard:
    sequence_number: str
    initial_password: str = field(repr=False)
    name: str = field(repr=False)
    masked_id_number: str
    web_address: str
    printed_at: datetime
    title: str = "湖南省普通高考网上报名登录卡"


def login_card_qr(sequence_number: str, web_address: str) -> str:
    """What the login card's QR code carries: the web address, the sequence number after `#`.

    A phone's camera opens the registration site from it and shows the number to copy; the
    fragment never reaches the site's server. Never the initial password: a QR code can be read
    over a shoulder or from a photo of the slip more easily than printed digits.
    """
    return f"{web_address}#{sequence_number}"
