"""Synthetic people for tests: obviously fictional names, ID numbers with valid check digits."""

from __future__ import annotations

from datetime import date

from kiosk.core.documents import CardType, IdentityDocument, Sex
from kiosk.core.idnumber import make_number


def resident(**overrides: object) -> IdentityDocument:
    born = overrides.pop("birth_date", date(2008, 5, 17))
    sex = overrides.pop("sex", Sex.FEMALE)
    assert isinstance(born, date) and isinstance(sex, Sex)
    fields: dict[str, object] = dict(
        card_type=CardType.RESIDENT,
        name="测试甲",
        sex=sex,
        birth_date=born,
        id_number=make_number("430102", born, 37, male=sex is Sex.MALE),
        valid_from=date(2022, 3, 1),
        valid_to=date(2032, 3, 1),
        nation="01",
        address="湖南省长沙市芙蓉区示例路1号",
        issuer="长沙市公安局芙蓉分局",
    )
    fields.update(overrides)
    return IdentityDocument(**fields)  # type: ignore[arg-type]
