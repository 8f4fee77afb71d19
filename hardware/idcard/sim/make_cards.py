"""Generate the shipped card files in `cards/`, and say what each is for.

Run `python -m hardware.idcard.sim.make_cards` to rewrite them, `--check` to verify the files on
disk match (a unit test does the same). Every person here is synthetic: names are obviously
fictional (测试甲, 样例乙 ...), numbers come from `idnumber.make_number`, streets are made up.
Birth years make the candidates 17 to 19 on the reference date 2026-11-24.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import date
from typing import Any

from hardware.idcard.sim.reader import CARDS_DIR
from kiosk.core.idnumber import make_number

REFERENCE_DATE = date(2026, 11, 24)


@dataclass(frozen=True)
class SampleCard:
    """A card file and what `IdentityDocument.validate(REFERENCE_DATE)` must make of it."""

    stem: str
    purpose: str
    fields: dict[str, Any]
    expected_error: str | None  # a core error code, None when the card is valid


def _fake_chip_photo() -> str:
    """1024 bytes standing in for the WLT chip photo (no open decoder exists anyway)."""
    block = b"SIM-WLT"
    out = b""
    while len(out) < 1024:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:1024].hex()


def _resident(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "card_type": "resident",
        "nation": "01",
        "english_name": None,
        "nationality": None,
        "pass_number": None,
        "issue_count": None,
    }
    base.update(kw)
    return base


def _bad_check_digit(number: str) -> str:
    good = number[17]
    wrong = "0" if good != "0" else "1"
    return number[:17] + wrong


SAMPLES: tuple[SampleCard, ...] = (
    SampleCard(
        "resident-valid",
        "ordinary resident card, 10-year validity, with a stand-in chip photo",
        _resident(
            name="测试甲",
            sex="male",
            birth_date="2008-03-15",
            id_number=make_number("430102", date(2008, 3, 15), 11, male=True),
            valid_from="2024-05-10",
            valid_to="2034-05-10",
            address="湖南省长沙市芙蓉区样例路1号测试小区2栋301房",
            issuer="长沙市公安局芙蓉分局",
        ),
        None,
    ),
    SampleCard(
        "resident-long-term",
        "resident card with long-term validity (长期: valid_to null)",
        _resident(
            name="样例乙",
            sex="female",
            birth_date="2009-06-01",
            id_number=make_number("430103", date(2009, 6, 1), 22, male=False),
            valid_from="2025-07-01",
            valid_to=None,
            nation="15",
            address="湖南省长沙市天心区示范街88号",
            issuer="长沙市公安局天心分局",
        ),
        None,
    ),
    SampleCard(
        "resident-expired",
        "resident card that expired in 2021",
        _resident(
            name="示例丙",
            sex="male",
            birth_date="2007-01-20",
            id_number=make_number("430104", date(2007, 1, 20), 33, male=True),
            valid_from="2016-02-01",
            valid_to="2021-02-01",
            address="湖南省长沙市岳麓区虚构大道100号",
            issuer="长沙市公安局岳麓分局",
        ),
        "card_expired",
    ),
    SampleCard(
        "resident-bad-checksum",
        "resident card whose ID number fails the GB 11643 check digit",
        _resident(
            name="测试丁",
            sex="female",
            birth_date="2008-10-08",
            id_number=_bad_check_digit(
                make_number("430105", date(2008, 10, 8), 44, male=False)
            ),
            valid_from="2023-09-01",
            valid_to="2033-09-01",
            address="湖南省长沙市开福区假想巷7号",
            issuer="长沙市公安局开福分局",
        ),
        "id_number_checksum",
    ),
    SampleCard(
        "permit-hmt",
        "'J' residence permit for a Hong Kong resident (number starts 810000)",
        {
            "card_type": "permit_hmt",
            "name": "样例戊",
            "sex": "male",
            "birth_date": "2008-12-02",
            "id_number": make_number("810000", date(2008, 12, 2), 55, male=True),
            "valid_from": "2024-01-15",
            "valid_to": "2029-01-15",
            "nation": None,
            "address": "湖南省长沙市雨花区演示路20号",
            "issuer": "长沙市公安局雨花分局",
            "english_name": None,
            "nationality": None,
            "pass_number": "H00000001",
            "issue_count": "01",
        },
        None,
    ),
    SampleCard(
        "foreign-2017",
        "2017 foreigner's permanent residence card ('I'): 15-character number, no GB 11643",
        {
            "card_type": "foreign_2017",
            "name": "测试己",
            "sex": "female",
            "birth_date": "2008-09-15",
            # nationality (3) + province 43 + YYMMDD + serial (3) + check: the pre-2023 layout.
            "id_number": "CAN430809150017",
            "valid_from": "2022-03-01",
            "valid_to": "2032-03-01",
            "nation": None,
            "address": None,
            "issuer": "中华人民共和国国家移民管理局",
            "english_name": "TEST, JI",
            "nationality": "CAN",
            "pass_number": None,
            "issue_count": None,
        },
        None,
    ),
    SampleCard(
        "foreign-2023",
        "2023 foreigner's permanent residence card ('Y'): 18-digit GB 11643 number",
        {
            "card_type": "foreign_2023",
            "name": "样例庚",
            "sex": "male",
            "birth_date": "2007-07-07",
            # 9 + province 43 + nationality 124 (Canada) + birth date + serial + check.
            "id_number": make_number("943124", date(2007, 7, 7), 66, male=True),
            "valid_from": "2023-12-01",
            "valid_to": "2033-12-01",
            "nation": None,
            "address": None,
            "issuer": "中华人民共和国国家移民管理局",
            "english_name": "SAMPLE, GENG",
            "nationality": "CAN",
            "pass_number": None,
            "issue_count": None,
        },
        None,
    ),
)

_PHOTO_CARDS = {"resident-valid"}


def card_json(sample: SampleCard) -> str:
    data = dict(sample.fields)
    if sample.stem in _PHOTO_CARDS:
        data["chip_photo_hex"] = _fake_chip_photo()
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for sample in SAMPLES:
        path = CARDS_DIR / f"{sample.stem}.json"
        text = card_json(sample)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python -m hardware.idcard.sim.make_cards")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
