"""Range header parsing."""

from __future__ import annotations

import pytest

from aisnode.api.http_range import parse_range
from aisnode.errors import RangeNotSatisfiable


@pytest.mark.parametrize("header,size,want", [
    ("bytes=0-4", 10, (0, 5)),
    ("bytes=0-0", 10, (0, 1)),
    ("bytes=5-", 10, (5, 5)),
    ("bytes=9-", 10, (9, 1)),
    ("bytes=-3", 10, (7, 3)),
    ("bytes=-10", 10, (0, 10)),
    ("bytes=-100", 10, (0, 10)),  # suffix longer than the object: whole object
    ("bytes=5-100", 10, (5, 5)),  # end clipped
    ("bytes=2-9", 10, (2, 8)),
    (" bytes = 1 - 2 ", 10, (1, 2)),
])
def test_valid(header: str, size: int, want: tuple[int, int]) -> None:
    assert parse_range(header, size) == want


@pytest.mark.parametrize("header,size", [
    ("bytes=-0", 10), ("bytes=10-", 10), ("bytes=10-20", 10), ("bytes=11-", 10),
    ("bytes=0-", 0), ("bytes=0-5", 0),
])
def test_not_satisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as ei:
        parse_range(header, size)
    assert ei.value.size == size


@pytest.mark.parametrize("header", [
    None, "", "bytes=", "bytes=-", "bytes=a-b", "bytes=0-1,3-4", "items=0-1", "bytes 0-1",
    "bytes=5-2", "bytes=--1", "bytes=1.5-2",
])
def test_ignored(header: str | None) -> None:
    assert parse_range(header, 10) is None


def test_suffix_range_on_empty_object() -> None:
    try:
        got = parse_range("bytes=-5", 0)
    except RangeNotSatisfiable:
        return
    assert got is None or got[1] > 0
