"""The shipped simulator card files: each loads, and validates (or fails) as it says it will.

Assertions compare documents (whose repr is masked) or booleans, never raw ID numbers, so a
failure message cannot print one.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from hardware.idcard.sim import CARDS_DIR, SimulatedReader, card_file, place_card
from hardware.idcard.sim.make_cards import REFERENCE_DATE, SAMPLES, main
from kiosk.core.documents import CardType, IdentityDocument
from kiosk.core.errors import DocumentError

_EXTRA = ("fault", "chip_photo_hex")


def _load(stem: str) -> tuple[dict[str, object], IdentityDocument]:
    data = json.loads(card_file(stem).read_text(encoding="utf-8"))
    photo_hex = data.get("chip_photo_hex")
    fields = {k: v for k, v in data.items() if k not in _EXTRA}
    doc = IdentityDocument.from_fields(
        fields, chip_photo=bytes.fromhex(photo_hex) if photo_hex else None
    )
    return data, doc


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_files_on_disk_match_the_generator() -> None:
    assert main(["--check"]) == 0
    assert sorted(p.stem for p in CARDS_DIR.glob("*.json")) == sorted(s.stem for s in SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.stem)
def test_card_validates_as_intended(sample) -> None:  # type: ignore[no-untyped-def]
    _, doc = _load(sample.stem)
    if sample.expected_error is None:
        assert doc.validate(REFERENCE_DATE) == doc
    else:
        with pytest.raises(DocumentError) as info:
            doc.validate(REFERENCE_DATE)
        assert info.value.code == sample.expected_error


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.stem)
def test_card_person_is_a_synthetic_candidate(sample) -> None:  # type: ignore[no-untyped-def]
    _, doc = _load(sample.stem)
    assert 17 <= _age(doc.birth_date, REFERENCE_DATE) <= 19
    assert doc.name[:2] in ("测试", "样例", "示例")
    if doc.address is not None:
        assert doc.address.startswith("湖南省长沙市")


def test_the_set_covers_every_card_type_and_case() -> None:
    docs = {s.stem: _load(s.stem)[1] for s in SAMPLES}
    assert {d.card_type for d in docs.values()} == set(CardType.readable())
    assert docs["resident-long-term"].valid_to is None
    assert docs["permit-hmt"].card_type is CardType.PERMIT_HMT
    assert docs["permit-hmt"].id_number.startswith("810000")
    foreign17 = docs["foreign-2017"]
    assert foreign17.card_type is CardType.FOREIGN_2017 and len(foreign17.id_number) == 15
    assert docs["foreign-2023"].card_type is CardType.FOREIGN_2023
    assert len(docs["resident-valid"].chip_photo or b"") == 1024


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.stem)
def test_simulated_reader_reads_each_file(sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, expected = _load(sample.stem)
    place_card(tmp_path, card_file(sample.stem))
    got = SimulatedReader(tmp_path).read()
    assert got == expected
    assert got.chip_photo == expected.chip_photo
