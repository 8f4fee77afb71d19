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
