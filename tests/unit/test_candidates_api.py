"""Candidate lookup and roster through the reference API (in process), as a kiosk signs and
seals them: found here, not found, another county's candidate, another point's, the roster."""

from __future__ import annotations

from datetime import date

import pytest

from central_api_client.candidate_sealing import seal_lookup
from central_api_client.client import RejectedError, ServerError
from kiosk.core.idnumber import make_number
from tests.candidate_helpers import people, province

POINT = "示例报名点一"


@pytest.fixture
def world(tmp_path):
    prov = province(tmp_path)
    here = people(3, "4301", POINT)
    same_county = people(2, "4301", "示例报名点二", start=100)
    elsewhere = people(2, "4302", "外县报名点", start=200)
    adults = people(2, "4301", POINT, exam="adult", start=300)
    prov.hold(here + same_county + elsewhere + adults)
    return prov, here, same_county, elsewhere, adults


def test_a_candidate_of_this_point_is_found_with_what_they_entered(world):
    prov, here, *_ = world
    kiosk = prov.kiosk("4301", POINT)
    found = kiosk.lookup_candidate(prov.key.public_key(), "gaokao",
                                   here[1].candidate.id_number)
    assert found == here[1].candidate
    assert found.fields["school"] == here[1].candidate.fields["school"]


def test_a_number_nobody_holds_and_another_countys_candidate_get_the_same_answer(world):
    prov, _, _, elsewhere, _ = world
    kiosk = prov.kiosk("4301", POINT)
    nobody = make_number("430102", date(2006, 1, 1), 7, male=True)
    assert kiosk.lookup_candidate(prov.key.public_key(), "gaokao", nobody) is None
    assert kiosk.lookup_candidate(prov.key.public_key(), "gaokao",
                                  elsewhere[0].candidate.id_number) is None
    # ... while that county's own kiosk finds them
    theirs = prov.kiosk("4302", "外县报名点")
    assert theirs.lookup_candidate(prov.key.public_key(), "gaokao",
                                   elsewhere[0].candidate.id_number) == elsewhere[0].candidate


def test_a_candidate_of_another_point_in_the_county_is_found_so_the_journey_can_name_it(world):
    prov, _, same_county, _, _ = world
    found = prov.kiosk("4301", POINT).lookup_candidate(
        prov.key.public_key(), "gaokao", same_county[0].candidate.id_number)
    assert found is not None and found.point == "示例报名点二"


def test_the_exam_decides_which_registration_is_found(world):
    prov, here, _, _, adults = world
    kiosk = prov.kiosk("4301", POINT)
    assert kiosk.lookup_candidate(prov.key.public_key(), "adult",
                                  here[0].candidate.id_number) is None
    adult = kiosk.lookup_candidate(prov.key.public_key(), "adult", adults[0].candidate.id_number)
    assert adult is not None and adult.fields["exam_level"] == adults[0].candidate.fields[
        "exam_level"]


def test_the_roster_holds_exactly_this_points_candidates_of_the_exam(world):
    prov, here, *_ = world
    roster = prov.kiosk("4301", POINT).candidate_roster("gaokao")
    assert (roster.county_code, roster.point) == ("4301", POINT)
    assert sorted(c.id_number for c in roster.candidates) == sorted(
        p.candidate.id_number for p in here)


def test_nothing_personal_crosses_the_wire_in_clear(world):
    prov, here, *_ = world
    kiosk = prov.kiosk("4301", POINT)
    seen: list[bytes] = []
    prov.http.event_hooks["response"] = [lambda r: seen.append(r.read())]
    prov.http.event_hooks["request"] = [lambda r: seen.append(r.read())]
    number = here[0].candidate.id_number
    found = kiosk.lookup_candidate(prov.key.public_key(), "gaokao", number)
    roster = kiosk.candidate_roster("gaokao")
    # Both answers did carry the candidate (an empty answer would hide nothing).
    assert found is not None and found.id_number == number
    assert number in {c.id_number for c in roster.candidates}
    school = here[0].candidate.fields["school"].encode()
    assert seen and not any(number.encode() in b or school in b for b in seen)


def test_a_lookup_sealed_for_another_device_is_refused(world):
    prov, here, *_ = world
    kiosk = prov.kiosk("4301", POINT)
    body, _ = seal_lookup(prov.key.public_key(), "HN-4301-9999", "gaokao",
                          here[0].candidate.id_number)
    with pytest.raises(RejectedError) as refused:
        kiosk._request("POST", "/v1/candidates:lookup", json=body)
    assert refused.value.status == 422


def test_a_server_without_the_opening_key_says_so(tmp_path):
    prov = province(tmp_path, with_key=False)
    with pytest.raises(ServerError) as refused:
        prov.kiosk("4301", POINT).candidate_roster("gaokao")
    assert refused.value.status == 503
