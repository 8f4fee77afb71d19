"""Which sequence serials each enrolled device of a county hands out, per subject category.

The plans have the county divide the registration sequence numbers among its points by subject
category (分科类划分各报名点的报名序号区间; a number is the 4-digit county code and a 4-digit
serial). The province's server does that at enrolment from a small TOML file (`serve --ranges`):
for each county (or `[default]` for any county not named) and each category, the pool of serials
and the block a device gets. The allocator is pure: given the ranges a county has handed out
already (retired devices' included: a number is never reused), it returns the lowest free block
of each category, overlapping nothing the county handed out in any category.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from central_api_client.enrolment import CATEGORY_PATTERN, COUNTY_PATTERN, SequenceRange

MAX_SERIAL = 9999


class RangesError(ValueError):
    """A ranges file that cannot be used (the key and why), or a pool with no block left."""


@dataclass(frozen=True)
class Pool:
    """A county's serials for one category, handed out `block` at a time."""

    category: str
    first: int
    last: int
    block: int


# Hunan's college entrance exam since 2021 (3+1+2): the first-choice subject splits candidates
# into the history and the physics category. Used where no file (or no county) says otherwise:
# enough for development and a pilot, 500 candidates a point and category.
DEFAULT_POOLS: tuple[Pool, ...] = (
    Pool("history", 1, 4999, 500),
    Pool("physics", 5000, 9999, 500),
)


@dataclass(frozen=True)
class CountyPools:
    """Every county's pools: `counties[code]`, else `default`."""

    default: tuple[Pool, ...] = DEFAULT_POOLS
    counties: Mapping[str, tuple[Pool, ...]] | None = None

    def pools(self, county_code: str) -> tuple[Pool, ...]:
        return (self.counties or {}).get(county_code, self.default)


def load_pools(path: Path | None) -> CountyPools:
    """The pools of a ranges file; None: the built-in defaults for every county."""
    if path is None:
        return CountyPools()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RangesError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RangesError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"default", "county"}
    if unknown:
        raise RangesError(f"{path}: unknown section {sorted(unknown)[0]} (default, county)")
    default = _pools(data["default"], "default") if "default" in data else DEFAULT_POOLS
    counties = data.get("county", {})
    if not isinstance(counties, dict):
        raise RangesError("county: must be a table of counties")
    parsed = {}
    for code, table in counties.items():
        if not re.fullmatch(COUNTY_PATTERN, code):
            raise RangesError(f"county.{code}: a county code is 4 digits")
        parsed[code] = _pools(table, f"county.{code}")
    return CountyPools(default, parsed)


def _pools(table: object, name: str) -> tuple[Pool, ...]:
    if not isinstance(table, dict) or not table:
        raise RangesError(f"{name}: must be a table of categories")
    pools = []
    for category, spec in table.items():
        where = f"{name}.{category}"
        if not re.fullmatch(CATEGORY_PATTERN, category):
            raise RangesError(f"{where}: a category is lower case letters, digits, - or _")
        if not isinstance(spec, dict) or set(spec) != {"first", "last", "block"}:
            raise RangesError(f"{where}: needs exactly first, last and block")
        values = [spec[k] for k in ("first", "last", "block")]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise RangesError(f"{where}: first, last and block are integers")
        first, last, block = values
        if not (0 <= first <= last <= MAX_SERIAL) or not 1 <= block <= last - first + 1:
            raise RangesError(f"{where}: need 0 <= first <= last <= {MAX_SERIAL} and"
                              " 1 <= block <= last - first + 1")
        pools.append(Pool(category, first, last, block))
    ordered = sorted(pools, key=lambda p: p.first)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.first <= before.last:
            raise RangesError(f"{name}: {before.category} and {after.category} overlap")
    return tuple(pools)


def allocate(pools: Iterable[Pool], taken: Iterable[tuple[int, int]]) -> list[SequenceRange]:
    """One block per pool, each the lowest `block` serials of its pool that overlap nothing in
    `taken` (every range the county handed out) nor each other; RangesError naming a pool
    with no room left, so the enrolment is refused whole rather than half-numbered."""
    busy = sorted(taken)
    out = []
    for pool in pools:
        start = _lowest_gap(pool, busy)
        if start is None:
            raise RangesError(f"no block of {pool.block} serials left in {pool.category}"
                              f" {pool.first:04d}-{pool.last:04d}")
        chosen = SequenceRange(pool.category, start, start + pool.block - 1)
        out.append(chosen)
        busy = sorted([*busy, (chosen.first, chosen.last)])
    return out


def _lowest_gap(pool: Pool, busy: list[tuple[int, int]]) -> int | None:
    """The first serial of the lowest run of `pool.block` free serials inside the pool."""
    start = pool.first
    for first, last in busy:  # sorted by first
        if last < start:
            continue
        if first > start + pool.block - 1:
            break
        start = last + 1
    return start if start + pool.block - 1 <= pool.last else None
