"""The central configuration bundle's parser: strict (every bad input a BundleError naming the
key), and what it writes it reads back equal (property tests)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from central_api_client.config_bundle import (
    FORMAT,
    BundleError,
    ConfigBundle,
    Freeze,
    KeyPair,
    Pauses,
    Text,
    Window,
    WorkflowSpec,
    bundle_from_dict,
    bundle_to_bytes,
    bundle_to_dict,
    parse_bundle,
)

PEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"
names = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
areas = st.from_regex(r"[0-9]{2,6}", fullmatch=True)
words = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
texts = st.builds(Text, words, words)


@st.composite
def windows(draw) -> Window:
    first = draw(st.dates(date(2019, 1, 1), date(2030, 12, 31)))
    last = draw(st.dates(first, date(2031, 12, 31)))
    marks = sorted(draw(st.sets(st.integers(0, 24 * 60 - 1), min_size=2, max_size=6)))
    if len(marks) % 2:
        marks = marks[:-1]
    hours = tuple((time(a // 60, a % 60), time(b // 60, b % 60))
                  for a, b in zip(marks[::2], marks[1::2], strict=True))
    return Window(first, last, hours, tuple(draw(st.lists(areas, max_size=3))))


photo_values = st.one_of(
    st.integers(0, 100_000),
    st.floats(0, 100_000, allow_nan=False).filter(lambda f: f != int(f)),
    st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=1, max_size=3).map(tuple),
)
bundles = st.builds(
    ConfigBundle,
    version=st.integers(1, 2**40),
    expires=st.datetimes(datetime(2019, 1, 1), datetime(2040, 1, 1)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)),
    workflows=st.dictionaries(names, st.builds(
        WorkflowSpec, st.lists(names, min_size=1, max_size=7).map(tuple),
        st.lists(windows(), max_size=3).map(tuple)), min_size=1, max_size=3),
    photo=st.dictionaries(names, photo_values, max_size=4),
    notices=st.dictionaries(names, texts, max_size=3),
    staff_ca=st.one_of(st.none(), st.just(PEM)),
    sealing_key=st.one_of(st.none(), st.builds(KeyPair, st.just(PEM),
                                               st.one_of(st.none(), st.just(PEM)))),
    receipt_key=st.one_of(st.none(), st.builds(KeyPair, st.just(PEM))),
    retention_days=st.floats(0, 3650, allow_nan=False),
    freeze=st.builds(Freeze, st.floats(0, 365), st.sampled_from(["stop", "keep"]),
                     st.floats(0.01, 1000)),
    pause=st.builds(Pauses, st.one_of(st.none(), texts),
                    st.dictionaries(areas, texts, max_size=3)),
)


@given(bundles)
def test_what_is_written_reads_back_equal(bundle: ConfigBundle) -> None:
    assert parse_bundle(bundle_to_bytes(bundle)) == bundle


@given(bundles, st.data())
def test_an_unknown_key_anywhere_is_refused_with_its_path(bundle: ConfigBundle, data) -> None:
    obj = bundle_to_dict(bundle)
    tables = [("bundle", obj), ("freeze", obj["freeze"]), ("pause", obj["pause"])]
    for name, w in obj["workflows"].items():
        tables.append((f"workflows.{name}", w))
    path, table = data.draw(st.sampled_from(tables))
    table["surprise"] = 1
    with pytest.raises(BundleError, match=r"surprise: unknown key"):
        bundle_from_dict(obj)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_any_json_is_a_bundle_or_a_bundle_error(value) -> None:
    with contextlib.suppress(BundleError):
        bundle_from_dict(value)


@given(bundles, st.sampled_from(["version", "expires", "workflows", "format"]), json_values)
def test_a_wrong_value_of_a_required_key_is_refused(bundle, key, value) -> None:
    obj = bundle_to_dict(bundle)
    if value == obj[key]:
        return
    obj[key] = value
    try:
        parsed = bundle_from_dict(obj)
    except BundleError as exc:
        assert str(exc).startswith(key) or str(exc).startswith("workflows")
    else:  # only an equally valid value of the same meaning may pass
        assert getattr(parsed, key) is not None


def minimal(**changes) -> dict:
    obj = {"format": FORMAT, "version": 3, "expires": "2030-01-01T00:00:00Z",
           "workflows": {"collect": {"steps": ["card", "done"], "windows": [
               {"from": "2019-09-02", "to": "2019-09-11",
                "hours": ["08:00-12:00", "15:00-18:00"], "audience": ["4301"]}]}}}
    obj.update(changes)
    return obj


def test_the_2019_adult_exam_window_reads_as_published() -> None:
    b = bundle_from_dict(minimal())
    w = b.workflows["collect"].windows[0]
    assert (w.first_day, w.last_day) == (date(2019, 9, 2), date(2019, 9, 11))
    assert w.hours == ((time(8), time(12)), (time(15), time(18)))
    assert w.audience == ("4301",)


@pytest.mark.parametrize(("window", "words"), [
    ({"from": "2019-09-11", "to": "2019-09-02", "hours": ["08:00-12:00"]}, "before 'from'"),
    ({"from": "2019-09-02", "to": "2019-09-11", "hours": ["12:00-08:00"]}, "start before"),
    ({"from": "2019-09-02", "to": "2019-09-11", "hours": ["08:00-12:00", "11:00-13:00"]},
     "overlap"),
    ({"from": "2019-9-2", "to": "2019-09-11", "hours": ["08:00-12:00"]}, "YYYY-MM-DD"),
    ({"from": "2019-09-02", "to": "2019-09-11", "hours": []}, "at least one"),
    ({"from": "2019-09-02", "to": "2019-09-11", "hours": ["8-12"]}, "HH:MM-HH:MM"),
    ({"from": "2019-09-02", "to": "2019-09-11", "hours": ["08:00-12:00"],
      "audience": ["Changsha"]}, "area codes"),
])
def test_windows_that_make_no_sense_are_refused(window, words) -> None:
    obj = minimal()
    obj["workflows"]["collect"]["windows"] = [window]
    with pytest.raises(BundleError, match=words):
        bundle_from_dict(obj)


@pytest.mark.parametrize(("changes", "words"), [
    ({"version": True}, "version"),
    ({"version": 0}, "version"),
    ({"expires": "2030-01-01 00:00"}, "expires"),
    ({"format": "other"}, "format"),
    ({"workflows": {}}, "at least one"),
    ({"freeze": {"on_expired": "explode"}}, "on_expired"),
    ({"keys": {"sealing": {"current": "not a key"}}}, "keys.sealing.current: expected PEM"),
    ({"pause": {"province": {"zh": "暂停"}}}, "pause.province.en: missing"),
    ({"photo": {"width": "480"}}, "photo.width"),
    ({"photo": {"backgrounds": [[1, 2]]}}, "r, g, b"),
    ({"retention_days": -1}, "retention_days"),
])
def test_bad_values_are_refused_naming_the_key(changes, words) -> None:
    with pytest.raises(BundleError, match=words):
        bundle_from_dict(minimal(**changes))


def test_bytes_that_are_not_json_are_refused() -> None:
    with pytest.raises(BundleError, match="not UTF-8 JSON"):
        parse_bundle(b"\xff{")
    assert parse_bundle(json.dumps(minimal()).encode()).version == 3
