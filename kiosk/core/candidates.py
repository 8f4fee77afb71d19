"""What a candidate entered online, as the `confirm` and `adult-confirm` journeys receive it.

The kiosk finds it by the ID number on the card: from the provincial API over a signed, sealed
request, else from this point's roster synced ahead (sealed at rest), else nowhere ("please ask
staff"). Those adapters live outside core; the journeys see only `CandidateLookup` and
`OnlineRegistration`. `repr()` shows nothing personal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

Exam = Literal["gaokao", "adult"]
Source = Literal["api", "roster"]


@dataclass(frozen=True)
class OnlineRegistration:
    """One candidate's online registration for one exam.

    `fields` holds the online fields by the names of `kiosk.core.forms.ONLINE_FIELDS` (labels
    and order are the forms' business). `point_code` is the registration or confirmation point
    the candidate chose, by the name the province's enrolment gives points (what
    `config.device.point` holds), so a journey compares it with this machine's point;
    `first_sequence_number` the number the first visit (`collect`) gave.
    """

    exam: Exam
    id_number: str = field(repr=False)
    fields: Mapping[str, str] = field(repr=False)
    point_code: str
    first_sequence_number: str | None = None
    minor: bool = False  # under 17 on the exam date (adult exam: designated points only)
    medical_track: bool = False  # adult exam 医卫类: designated points only
    source: Source = "api"


class CandidateLookup(Protocol):
    """Finds a candidate's online registration; None when neither the API nor the roster has
    it. Raises `KioskError` with a stable code when it cannot tell (for the notice screen)."""

    def find(self, exam: Exam, id_number: str) -> OnlineRegistration | None:
        ...
