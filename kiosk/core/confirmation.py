"""The rules of the second visits (`confirm`, `adult-confirm`), apart from their steps.

Which exam a workflow confirms and which form it prints; what the candidate confirmed, as bytes
that hash the same on the kiosk and at the province; whether a registration may be confirmed at
this point (the point it names, the designated points for minors and the medical track); whose
documents the city reviews. Pure: standard library and `kiosk.core` only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date

from kiosk.core.candidates import Exam, OnlineRegistration
from kiosk.core.documents import CardType, IdentityDocument
from kiosk.core.forms import ADULT_FLOW, PROOF_TABLE, REGISTRATION, Form, Row
from kiosk.core.notices import Notice
from kiosk.core.roster_window import WORKFLOW_EXAM

# What the candidate checks on screen, and the form printed once signed, per exam.
SHOWN: dict[Exam, Form] = {"gaokao": PROOF_TABLE, "adult": ADULT_FLOW}
PRINTED: dict[Exam, Form] = {"gaokao": REGISTRATION, "adult": ADULT_FLOW}
# A point's designations (`[point] designations` in kiosk.toml).
MINOR = "minor"  # 低龄审核点: candidates under 17 on the exam date
MEDICAL = "medical"  # 医卫类审核点: the medical track
DESIGNATIONS = frozenset({MINOR, MEDICAL})
MINOR_UNDER_YEARS = 17


def exam_of(workflow: str) -> Exam:
    """The exam whose candidates a workflow looks up (`WORKFLOW_EXAM`, which the rosters
    follow too); a workflow of another name that asks for a candidate is the gaokao's."""
    return WORKFLOW_EXAM.get(workflow, "gaokao")


def shown_bytes(rows: Iterable[Row]) -> bytes:
    """The canonical bytes of rows as shown: a JSON array of [key, label, value] in screen
    order, UTF-8, no spaces. The province hashes the record's `shown_rows` the same way."""
    return json.dumps([[r.key, r.label, r.value] for r in rows], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def shown_sha256(rows: Iterable[Row]) -> str:
    return hashlib.sha256(shown_bytes(rows)).hexdigest()


def pages(rows: int, per_page: int) -> int:
    """How many screen pages `rows` rows take (at least one)."""
    return max(1, -(-rows // max(1, per_page)))


def age_on(birth: date, day: date) -> int:
    """Whole years on `day` (a birthday on 29 February counts from 1 March in other years)."""
    before = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - before


def is_minor(registration: OnlineRegistration, birth: date, exam_date: date | None) -> bool:
    """Under 17 on the exam date: as the province flagged it, or by the card's birth date when
    this point knows the exam date (the two agree unless the province's flag is stale)."""
    by_date = exam_date is not None and age_on(birth, exam_date) < MINOR_UNDER_YEARS
    return registration.minor or by_date


def refusal(registration: OnlineRegistration, document: IdentityDocument, *, point_code: str,
            designations: frozenset[str], exam_date: date | None) -> Notice | None:
    """Why this registration may not be confirmed here, or None. The adult exam confirms only
    at the point the candidate chose online, and a minor or a medical-track candidate only at
    a point designated for them; the gaokao's second visit has no such rule."""
    if registration.exam != "adult":
        return None
    if registration.point_code != point_code:
        return Notice.WRONG_POINT
    if is_minor(registration, document.birth_date, exam_date) and MINOR not in designations:
        return Notice.MINOR_NOT_DESIGNATED
    if registration.medical_track and MEDICAL not in designations:
        return Notice.MEDICAL_NOT_DESIGNATED
    return None


def city_review(document: IdentityDocument) -> bool:
    """Holders of Hong Kong/Macao/Taiwan permits or foreigners' cards: the camera photo is
    required and the city reviews their documents."""
    return document.card_type is not CardType.RESIDENT
