"""Candidates' data as outside bytes: the wire type's strict parser, the sealed answer, the
import file's parser (each kind of bad row told by line and field, never the value), and the
contract's ID-number check agreeing with core's."""

from __future__ import annotations

import json
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from central_api_client.candidate_sealing import (
    CandidateSealError,
    open_answer,
    open_lookup,
    seal_answer,
    seal_lookup,
)
from central_api_client.candidates import (
    CANDIDATE_FIELDS,
    Candidate,
    CandidateFormatError,
    parse_candidate,
)
from central_api_client.idnumbers import id_number_problem
from devtools.synthetic_candidates import COLUMNS, generate, write_csv
from kiosk.core.errors import KioskError
from kiosk.core.forms import ONLINE_FIELDS
from kiosk.core.idnumber import make_number, validate
from provincial_api.candidate_import import CandidateImportError, parse_candidates

PERSON = generate(1)[0].candidate


def test_the_wire_names_the_fields_core_shows():
    assert CANDIDATE_FIELDS == ONLINE_FIELDS


def _core_says_valid(number: str) -> bool:
    try:
        return validate(number) == number
    except KioskError:
        return False


@given(st.one_of(st.text(alphabet="0123456789X", min_size=17, max_size=19),
                 st.builds(lambda d, s, m: make_number("430102", d, s, male=m),
                           st.dates(date(1900, 1, 1), date(2030, 1, 1)),
                           st.integers(0, 99), st.booleans())))
def test_the_contracts_id_check_agrees_with_cores(number):
    assert (id_number_problem(number) is None) == _core_says_valid(number)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=20)


@given(st.one_of(json_values, st.fixed_dictionaries(
    {k: json_values for k in PERSON.to_wire()})))
def test_the_parser_takes_any_json_and_gives_a_candidate_or_a_refusal(data):
    try:
        candidate = parse_candidate(data)
    except CandidateFormatError:
        return
    assert parse_candidate(candidate.to_wire()) == candidate


@pytest.mark.parametrize("change", [
    {"exam": "driving"}, {"id_number": PERSON.id_number[:17] + "0"
                          if PERSON.id_number[17] != "0" else PERSON.id_number[:17] + "1"},
    {"county_code": "43"}, {"point": ""}, {"fields": {"school": "x" * 101}},
    {"fields": {"shoe_size": "42"}}, {"first_sequence_number": "12"}, {"minor": "yes"},
])
def test_a_candidate_out_of_bounds_is_refused_naming_the_field_not_the_value(change):
    wire = {**PERSON.to_wire(), **change}
    with pytest.raises(CandidateFormatError) as refused:
        parse_candidate(wire)
    assert PERSON.id_number not in str(refused.value)
    assert refused.value.field in (*change, *CANDIDATE_FIELDS, "fields")


def test_an_answer_opens_only_with_its_reply_key_and_device():
    province = X25519PrivateKey.generate()
    body, reply = seal_lookup(province.public_key(), "HN-4301-0001", "gaokao", PERSON.id_number)
    query = open_lookup(body, province, "HN-4301-0001")
    assert (query.exam, query.id_number) == ("gaokao", PERSON.id_number)
    with pytest.raises(CandidateSealError):
        open_lookup(body, province, "HN-4301-0002")
    answer = seal_answer(PERSON, query.reply_key, "HN-4301-0001")
    assert open_answer(answer, reply, "HN-4301-0001") == PERSON
    with pytest.raises(CandidateSealError):
        open_answer(answer, X25519PrivateKey.generate(), "HN-4301-0001")
    with pytest.raises(CandidateSealError):
        open_answer(answer, reply, "HN-4301-0002")


@given(st.binary(max_size=200) | json_values)
def test_a_sealed_body_of_anything_is_refused_cleanly(data):
    with pytest.raises((CandidateFormatError, CandidateSealError)):
        open_lookup(data if not isinstance(data, bytes) else {"sealed": data.hex()},
                    X25519PrivateKey.generate(), "HN-4301-0001")


# -- the import file ------------------------------------------------------------------------

def _csv(candidates: list[Candidate]) -> str:
    import io

    out = io.StringIO()
    write_csv(candidates, out)
    return out.getvalue()


def test_a_good_csv_and_the_same_as_json_give_the_same_candidates():
    people = [p.candidate for p in generate(5) + generate(3, exam="adult", start=500)]
    assert parse_candidates(_csv(people), json_format=False) == people
    flat = [{**{k: v for k, v in c.to_wire().items() if k != "fields"}, **c.fields}
            for c in people]
    assert parse_candidates(json.dumps(flat, ensure_ascii=False), json_format=True) == people


BAD_ROWS = {
    "check digit": ("id_number", lambda r: r.update(
        id_number=r["id_number"][:17] + ("0" if r["id_number"][17] != "0" else "1"))),
    "missing point": ("point", lambda r: r.update(point="")),
    "bad county": ("county_code", lambda r: r.update(county_code="43A1")),
    "bad exam": ("exam", lambda r: r.update(exam="midterm")),
    "bad flag": ("minor", lambda r: r.update(minor="maybe")),
    "bad sequence": ("first_sequence_number", lambda r: r.update(first_sequence_number="1")),
    "too long": ("school", lambda r: r.update(school="长" * 101)),
}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_each_kind_of_bad_row_is_told_by_line_and_field_and_nothing_is_imported(kind):
    field, spoil = BAD_ROWS[kind]
    people = [p.candidate for p in generate(3)]
    lines = _csv(people).splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, lines[2].split(","), strict=True))
    secret = row["id_number"]
    spoil(row)
    lines[2] = ",".join(row[h] for h in header)
    with pytest.raises(CandidateImportError) as refused:
        parse_candidates("\n".join(lines) + "\n", json_format=False)
    assert [str(p) for p in refused.value.problems][0].startswith(f"line 3: {field}:")
    assert secret not in str(refused.value) and "长长" not in str(refused.value)


def test_an_unknown_column_and_a_repeated_candidate_are_refused():
    people = [p.candidate for p in generate(2)]
    text = _csv(people)
    with pytest.raises(CandidateImportError) as unknown:
        parse_candidates(text.replace("point,", "points,", 1), json_format=False)
    assert str(unknown.value.problems[0]) == "line 1: points: is not a column this import knows"
    with pytest.raises(CandidateImportError) as twice:
        parse_candidates(text + text.splitlines()[1] + "\n", json_format=False)
    assert str(twice.value.problems[0]) == "line 4: id_number: repeats line 2's candidate"


@settings(max_examples=150)
@given(st.text(max_size=400), st.booleans())
def test_the_import_parser_takes_any_text_and_gives_candidates_or_problems(text, as_json):
    try:
        rows = parse_candidates(text, json_format=as_json)
    except CandidateImportError as exc:
        assert exc.problems
        return
    assert all(isinstance(c, Candidate) for c in rows)


@given(st.lists(st.sampled_from(COLUMNS + CANDIDATE_FIELDS), min_size=1, max_size=8,
                unique=True),
       st.lists(st.lists(st.text(alphabet="0123456789X,\"甲 ", max_size=20), min_size=1,
                         max_size=8), max_size=5))
def test_csv_rows_of_anything_under_a_known_header_never_crash_the_parser(header, rows):
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows)
    try:
        parse_candidates(text, json_format=False)
    except CandidateImportError as exc:
        assert all(p.where.startswith("line ") for p in exc.problems)


@pytest.mark.parametrize(("text", "told"), [
    ('"', "line 1: header: is not valid CSV"),  # hypothesis found the header's csv.Error
    ('exam\n"', "line 2: row: is not valid CSV"),
])
def test_a_file_that_is_not_csv_is_told_by_line_not_raised(text, told):
    with pytest.raises(CandidateImportError) as refused:
        parse_candidates(text, json_format=False)
    assert str(refused.value.problems[-1]) == told
