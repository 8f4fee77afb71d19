"""A record's size is bounded on the kiosk before it is sealed (`kiosk.core.record_limits`).

An outside review sent one record with unbounded signature strokes: the server refused its
whole batch of 16 on every retry. The kiosk must never seal a record the province would refuse
for its size, and the signature pad stops taking ink at the caps rather than the record being
lost once the candidate has finished.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central_api_client.contract import MAX_BLOB_BYTES, MIN_BLOB_BYTES
from kiosk.core import events as ev
from kiosk.core import record_limits as limits
from kiosk.core.notices import Notice
from kiosk.core.record import Signature
from kiosk.core.steps import SessionData, SignStep, StepSettings
from kiosk.core.texts import NOTICES
from kiosk.seal import Sealer
from tests.synthetic import resident
from tests.synthetic_records import make_record

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
# The longest point the pad makes: 4 decimals for x and y, 3 for a late time.
WIDE_POINT = (0.1234, 0.5678, 99999.999)


def _strokes(lengths: list[int]) -> tuple[tuple[tuple[float, float, float], ...], ...]:
    return tuple(tuple(WIDE_POINT for _ in range(n)) for n in lengths)


def _at_every_cap():  # noqa: ANN202 - a Record
    """A record with each part as large as its cap allows."""
    per_stroke = limits.MAX_TOTAL_POINTS // limits.MAX_STROKES
    strokes = _strokes([per_stroke] * limits.MAX_STROKES)
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(limits.MAX_SIGNATURE_PNG_BYTES - 8)
    photo = b"\xff\xd8" + os.urandom(limits.MAX_PHOTO_BYTES - 4) + b"\xff\xd9"
    return dataclasses.replace(make_record(photo_bytes=10), photo_jpeg=photo,
                               signature=Signature(png, strokes))


def test_the_payload_cap_sits_below_the_provinces_per_record_limit() -> None:
    assert limits.MAX_PAYLOAD_BYTES + MIN_BLOB_BYTES <= MAX_BLOB_BYTES


def test_a_record_at_every_cap_is_accepted_and_its_blob_is_within_the_provinces_limit(
        tmp_path: Path) -> None:
    """The part caps add up to less than the payload cap: nothing the pad and camera let
    through is refused as a whole, and what is sealed the province accepts."""
    record = _at_every_cap()
    limits.check_record(record)
    assert len(record.payload_bytes()) <= limits.MAX_PAYLOAD_BYTES
    sealed = Sealer.from_keys_dir(tmp_path / "keys", record.device_id).seal(record)
    assert sealed.size <= MAX_BLOB_BYTES


@pytest.mark.parametrize("change,cap", [
    ({"photo_jpeg": bytes(limits.MAX_PHOTO_BYTES + 1)}, "photo of"),
    ({"signature": Signature(bytes(limits.MAX_SIGNATURE_PNG_BYTES + 1), _strokes([3]))},
     "signature picture"),
    ({"signature": Signature(b"png", _strokes([2] * (limits.MAX_STROKES + 1)))}, "strokes"),
    ({"signature": Signature(b"png", _strokes([limits.MAX_POINTS_PER_STROKE + 1]))},
     "a stroke of"),
    ({"signature": Signature(b"png", _strokes([1500] * 14))}, "points in all"),
])
def test_a_record_over_a_cap_is_refused_naming_the_cap_and_no_person(
        change: dict[str, object], cap: str) -> None:
    record = dataclasses.replace(make_record(photo_bytes=300), **change)
    with pytest.raises(limits.RecordTooLarge) as raised:
        limits.check_record(record)
    assert raised.value.code == "record_too_large" and cap in str(raised.value)
    assert resident().name not in str(raised.value)


def test_the_payload_itself_is_capped() -> None:
    """Parts each within their caps can still not make a payload over its cap (checked last,
    on the bytes that would be sealed): here a long address stands in for any field."""
    record = dataclasses.replace(make_record(photo_bytes=300),
                                 document=resident(address="路" * limits.MAX_PAYLOAD_BYTES))
    with pytest.raises(limits.RecordTooLarge, match="payload of"):
        limits.check_record(record)


actions = st.lists(st.sampled_from(["stroke", "point"]), max_size=3000)


@settings(max_examples=150, deadline=None)
@given(actions=actions, burst=st.integers(1, 400))
def test_strokes_grown_as_the_pad_allows_never_break_a_cap(actions: list[str],
                                                           burst: int) -> None:
    """Whatever the candidate does, the pad's two questions keep every cap: a record signed
    on it is never refused for its strokes."""
    strokes: list[list[tuple[float, float, float]]] = []
    for action in actions:
        if action == "stroke" and limits.accepts_stroke(strokes):
            strokes.append([WIDE_POINT])
        for _ in range(burst if action == "point" else 0):
            if limits.accepts_point(strokes):
                strokes[-1].append(WIDE_POINT)
    assert limits.strokes_problem(strokes) is None


@settings(max_examples=200, deadline=None)
@given(lengths=st.lists(st.integers(0, limits.MAX_POINTS_PER_STROKE + 5), max_size=80))
def test_the_strokes_problem_is_exactly_a_cap_broken(lengths: list[int]) -> None:
    within = (len(lengths) <= limits.MAX_STROKES
              and max(lengths, default=0) <= limits.MAX_POINTS_PER_STROKE
              and sum(lengths) <= limits.MAX_TOTAL_POINTS)
    assert (limits.strokes_problem(_strokes(lengths)) is None) == within


def _signing(data_photo: bytes = b"\xff\xd8jpeg\xff\xd9") -> SessionData:
    return SessionData("s1", "collect", NOW, document=resident(), photo_jpeg=data_photo,
                       sequence_number="43010001", confirmed_at=NOW)


def test_the_sign_step_stops_with_a_notice_rather_than_seal_an_oversized_record() -> None:
    step, settings_ = SignStep(), StepSettings(device_id="SIM-0001")
    too_many = ev.Signed(_strokes([2] * (limits.MAX_STROKES + 1)))
    outcome = step.handle(too_many, _signing(), settings_, NOW)
    assert (outcome.kind, outcome.notice, outcome.effects) == ("notice",
                                                                Notice.RECORD_TOO_LARGE, ())
    data = _signing(bytes(limits.MAX_PHOTO_BYTES + 1))
    assert step.handle(ev.Signed(_strokes([3])), data, settings_, NOW).effects  # drawn first
    rendered = ev.SignatureRendered("s1", Signature(b"png", _strokes([3])))
    outcome = step.handle(rendered, data, settings_, NOW)
    assert outcome.notice is Notice.RECORD_TOO_LARGE and outcome.effects == ()
    assert not data.saving and data.record_id is None
    assert Notice.for_code(limits.RECORD_TOO_LARGE) is Notice.RECORD_TOO_LARGE
    assert Notice.RECORD_TOO_LARGE in NOTICES


class _Touch(SimpleNamespace):
    """What the pad reads of a Kivy touch: position, id, and grabbing."""

    def grab(self, widget: object) -> None:
        self.grab_current = widget

    def ungrab(self, widget: object) -> None:
        self.grab_current = None


def test_the_signature_pad_stops_taking_ink_at_the_caps() -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kiosk.ui.widgets.signature_pad import SignaturePad

    pad = SignaturePad(size=(800, 300), pos=(0, 0))
    for uid in range(limits.MAX_STROKES + 5):
        touch = _Touch(x=10.0, y=10.0, pos=(10.0, 10.0), uid=uid, grab_current=None)
        pad.on_touch_down(touch)
        for step in range(3 if uid else limits.MAX_POINTS_PER_STROKE + 50):
            touch.x = touch.y = 20.0 + step % 100
            touch.pos = (touch.x, touch.y)
            pad.on_touch_move(touch)
        pad.on_touch_up(touch)
    strokes = pad.normalised_strokes()
    assert len(strokes) == limits.MAX_STROKES
    assert len(strokes[0]) == limits.MAX_POINTS_PER_STROKE
    assert limits.strokes_problem(strokes) is None
