"""A fictional candidate to fill a form with: the technician's test page and the previews.

`kioskctl a4 test` and `kioskctl print preview` print forms without touching a real person's
data, so this module ships with the kiosk. The name is obviously fictional, the ID number is made
with a valid check digit (`idnumber.make_number`) and every printed specimen says 样张.
"""

from __future__ import annotations

import math
from datetime import date

from kiosk.core.documents import CardType, IdentityDocument, Sex
from kiosk.core.forms import FormData, Strokes
from kiosk.core.idnumber import make_number

SPECIMEN_POINT = "长沙市示例中学报名点"
SPECIMEN_ONLINE = {
    "candidate_category": "城市应届",
    "subject_track": "物理类 · 化学 生物",
    "exam_level": "高起专",
    "school": "长沙市示例中学",
    "household": "江西省南昌市示例区",
    "parent_work": "长沙市示例建筑有限公司",
    "political_status": "共青团员",
    "foreign_language": "英语",
    "adult_category": "理工类",
    "study_mode": "业余",
    "school_choice_1": "湖南示例职业学院",
    "major_choice_1": "计算机应用技术",
    "school_choice_2": "长沙示例学院",
    "major_choice_2": "会计",
}


def specimen_document() -> IdentityDocument:
    born = date(2008, 5, 17)
    return IdentityDocument(
        card_type=CardType.RESIDENT,
        name="样张考生",
        sex=Sex.FEMALE,
        birth_date=born,
        id_number=make_number("430102", born, 37, male=False),
        valid_from=date(2022, 3, 1),
        valid_to=date(2032, 3, 1),
        nation="01",
        address="湖南省长沙市芙蓉区示例路1号",
        issuer="长沙市公安局芙蓉分局",
    )


def specimen_strokes() -> Strokes:
    """A signature-like scribble: two loops and an underline, in the pad's 0..1 space (y up)."""
    loops = []
    for cx in (0.3, 0.62):
        loops.append(tuple(
            (cx + 0.12 * math.cos(t / 6), 0.55 + 0.25 * math.sin(t / 6) + 0.05 * (t / 40), t / 30)
            for t in range(0, 40)
        ))
    underline = tuple((0.12 + i * 0.04, 0.22 + 0.02 * math.sin(i), 1.5 + i / 30) for i in range(20))
    return (*loops, underline)


def specimen(on: date, photo_jpeg: bytes | None = None) -> FormData:
    """Every field of every form filled in, dated `on`."""
    return FormData(
        document=specimen_document(),
        sequence_number="43010001",
        point=SPECIMEN_POINT,
        on=on,
        online=dict(SPECIMEN_ONLINE),
        photo_jpeg=photo_jpeg,
        signature_strokes=specimen_strokes(),
    )
