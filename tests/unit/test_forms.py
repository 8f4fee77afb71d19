"""The one definition of each form's fields (kiosk.core.forms), shared by screens and paper."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.core import forms
from kiosk.core.documents import CardType
from kiosk.core.form_specimen import specimen
from kiosk.core.texts import LANGUAGES, SCREENS
from tests.synthetic import resident


def test_every_field_has_a_label_in_every_language():
    for key in forms.ALL_FIELDS:
        assert f"field_{key}" in SCREENS, key
    for form in (*forms.FORMS.values(), forms.IDENTITY_SCREEN):
        assert set(form.fields) <= set(forms.ALL_FIELDS), form.name
        keys = [form.title, *form.steps] + ([form.declaration] if form.declaration else [])
        for key in keys:
            assert key in SCREENS, key


def test_the_four_paper_forms_are_named():
    assert set(forms.FORMS) == {"proof", "registration", "adult-flow", "migrant"}
    with pytest.raises(ValueError, match="proof, registration"):
        forms.form_named("nope")


def test_registration_form_has_photo_signature_number_point_and_date():
    form = forms.REGISTRATION
    assert form.photo and form.signature
    assert {"sequence_number", "point", "form_date"} <= set(form.fields)


def test_rows_follow_the_form_order_and_carry_every_value():
    data = specimen(date(2026, 11, 24))
    absent = {"nationality", "english_name"}  # a resident card has neither
    for language in LANGUAGES:
        for form in forms.FORMS.values():
            got = forms.rows(form, data, language)
            assert [r.key for r in got] == [k for k in form.fields if k not in absent]
            assert all(r.value and r.label for r in got)
    proof = {r.key: r.value for r in forms.rows(forms.PROOF_TABLE, data, "zh")}
    assert proof["sequence_number"] == "43010001"
    assert proof["nation"] == "汉"
    assert proof["birth_date"] == "2008年5月17日"
    assert proof["form_date"] == "2026年11月24日"
    assert proof["validity"] == "2022年3月1日 — 2032年3月1日"


def test_the_id_number_is_masked_on_screen_and_paper():
    doc = resident()
    for form in (*forms.FORMS.values(), forms.IDENTITY_SCREEN):
        shown = " ".join(r.value for r in forms.rows(form, forms.FormData(document=doc), "zh"))
        assert doc.id_number not in shown
        assert doc.masked_id_number in shown


def test_fields_that_do_not_apply_are_left_out():
    foreigner = resident(card_type=CardType.FOREIGN_2017, id_number="ABC430102080517",
                         nation=None, nationality="KOR", english_name="TEST ONE", address=None)
    keys = [r.key for r in forms.rows(forms.PROOF_TABLE, forms.FormData(document=foreigner), "en")]
    assert "nation" not in keys and "address" not in keys and "sequence_number" not in keys
    assert {"nationality", "english_name"} <= set(keys)


def test_the_check_screen_shows_the_proof_tables_fields_sequence_number_first():
    doc = resident()
    data = forms.FormData(document=doc, sequence_number="43010001")
    shown = forms.rows(forms.PROOF_TABLE, data, "zh")
    assert shown[0].key == "sequence_number"
    assert shown[0].label == "报名序号"


def test_unknown_online_fields_are_refused():
    with pytest.raises(ValueError, match="unknown online fields"):
        forms.FormData(document=resident(), online={"password": "x"})


def test_form_data_repr_shows_nothing_personal():
    data = specimen(date(2026, 11, 24))
    assert data.document.name not in repr(data)
    assert data.document.id_number not in repr(data)
