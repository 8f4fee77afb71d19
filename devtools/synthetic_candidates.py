"""Synthetic candidates for tests, the roster benchmark and the demo: never real people.

Each has a valid ID number (GB 11643 check digit, distinct birth dates and serials), an
obviously fictional name (测试 and two counting characters) on a resident card the card
simulator can present, and online data for the exam. Deterministic for a seed.

    python -m devtools.synthetic_candidates 2000 --county 4301 --point 长沙市第一中学 > c.csv
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta

import click

from central_api_client.candidates import Candidate
from kiosk.core.documents import CardType, IdentityDocument, Sex
from kiosk.core.idnumber import make_number

COUNTING = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
CATEGORIES = ("城市应届", "农村应届", "城市往届", "农村往届")
TRACKS = ("物理类", "历史类")
LEVELS = ("高起专", "高起本", "专升本")
MODES = ("业余", "函授", "脱产")
COLUMNS = ("exam", "id_number", "county_code", "point", "first_sequence_number", "minor",
           "medical_track")


@dataclass(frozen=True)
class SyntheticCandidate:
    document: IdentityDocument  # the card they carry
    candidate: Candidate  # what they entered online


def synthetic_name(index: int) -> str:
    n = len(COUNTING)
    return "测试" + COUNTING[(index // n) % n] + COUNTING[index % n]


def generate(count: int, *, county: str = "4301", point: str = "示例报名点一",
             exam: str = "gaokao", seed: int = 0, region: str | None = None,
             start: int = 0) -> list[SyntheticCandidate]:
    """`count` candidates of one point; `start` offsets the numbering so that two calls give
    different people (each index is one person: birth date and serial follow from it)."""
    rng = random.Random(seed)
    region = region or f"{county}02"
    out = []
    base = date(2007, 1, 1) if exam == "gaokao" else date(1990, 1, 1)
    for index in range(start, start + count):
        born = base + timedelta(days=index // 50)
        male = index % 2 == 0
        number = make_number(region, born, index % 50, male=male)
        doc = IdentityDocument(
            card_type=CardType.RESIDENT, name=synthetic_name(index),
            sex=Sex.MALE if male else Sex.FEMALE, birth_date=born, id_number=number,
            valid_from=date(2022, 3, 1), valid_to=date(2032, 3, 1), nation="01",
            address="湖南省示例市示例路1号", issuer="示例市公安局")
        if exam == "gaokao":
            fields = {"candidate_category": rng.choice(CATEGORIES),
                      "subject_track": rng.choice(TRACKS), "political_status": "共青团员",
                      "foreign_language": "英语", "school": f"示例第{index % 9 + 1}中学"}
            sequence = f"{county}{index % 10000:04d}"
        else:
            fields = {"exam_level": rng.choice(LEVELS), "adult_category": "文史类",
                      "study_mode": rng.choice(MODES), "school_choice_1": "示例大学",
                      "major_choice_1": "示例专业", "confirmation_point": point}
            sequence = None
        candidate = Candidate(exam=exam, id_number=number, county_code=county, point=point,
                              fields=fields, first_sequence_number=sequence)
        out.append(SyntheticCandidate(doc, candidate))
    return out


def write_csv(candidates: list[Candidate], out: object) -> None:
    """The import file's CSV (`provincial-api candidates import`)."""
    from central_api_client.candidates import CANDIDATE_FIELDS

    writer = csv.writer(out)  # type: ignore[arg-type]
    writer.writerow(COLUMNS + CANDIDATE_FIELDS)
    for c in candidates:
        writer.writerow([c.exam, c.id_number, c.county_code, c.point,
                         c.first_sequence_number or "", str(c.minor).lower(),
                         str(c.medical_track).lower()]
                        + [c.fields.get(name, "") for name in CANDIDATE_FIELDS])


@click.command()
@click.argument("count", type=click.IntRange(1, 100_000))
@click.option("--county", default="4301", show_default=True)
@click.option("--point", default="示例报名点一", show_default=True)
@click.option("--exam", type=click.Choice(["gaokao", "adult"]), default="gaokao")
@click.option("--seed", default=0, show_default=True)
def main(count: int, county: str, point: str, exam: str, seed: int) -> None:
    """Print COUNT synthetic candidates as an import CSV."""
    write_csv([s.candidate for s in generate(count, county=county, point=point, exam=exam,
                                             seed=seed)], sys.stdout)


if __name__ == "__main__":
    main()
