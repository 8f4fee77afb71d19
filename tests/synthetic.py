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


def standard_photo_jpeg(width: int = 480, height: int = 640) -> bytes:
    """A drawn stand-in for a standard photo (light blue ground, a head and shoulders in flat
    colours): nobody's face, but ink across the whole photo box when printed."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (214, 228, 244))
    draw = ImageDraw.Draw(img)
    draw.ellipse((width * 0.05, height * 0.68, width * 0.95, height * 1.3), fill=(40, 48, 72))
    draw.ellipse((width * 0.3, height * 0.2, width * 0.7, height * 0.66), fill=(226, 190, 160))
    draw.pieslice((width * 0.28, height * 0.16, width * 0.72, height * 0.5), 180, 360,
                  fill=(30, 24, 20))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()
