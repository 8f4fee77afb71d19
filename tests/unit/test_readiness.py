"""The verdicts of the readiness report: the worst part decides; the clock and the disk by
their thresholds."""

from __future__ import annotations

import pytest

from kiosk.core.readiness import CLOCK_WARN_S, Check, clock_level, disk_level, overall


def test_the_worst_part_decides() -> None:
    assert overall([]) == "ok"
    assert overall([Check("a", "ok", ""), Check("b", "warn", "")]) == "warn"
    assert overall([Check("a", "fail", ""), Check("b", "warn", ""), Check("c", "ok", "")]) \
        == "fail"


@pytest.mark.parametrize(("skew", "level"), [
    (0.0, "ok"), (CLOCK_WARN_S, "ok"), (-CLOCK_WARN_S - 1, "warn"), (299, "warn"),
    (301, "fail"), (-301, "fail"),
])
def test_clock(skew: float, level: str) -> None:
    assert clock_level(skew, refused_beyond_s=300) == level


@pytest.mark.parametrize(("free", "level"), [(50, "fail"), (199, "fail"), (200, "warn"),
                                             (399, "warn"), (400, "ok")])
def test_disk(free: float, level: str) -> None:
    assert disk_level(free, 200) == level
