"""Object-name templates (brace ranges)."""

from __future__ import annotations

import pytest

from aisnode.errors import InvalidRequest
from aisnode.jobs.templates import expand, is_range


def test_zero_padding_follows_start_width() -> None:
    got = list(expand("pre-{00..10}.bin"))
    assert got == [f"pre-{i:02d}.bin" for i in range(11)]
    assert list(expand("s-{0001..0003}")) == ["s-0001", "s-0002", "s-0003"]
    assert list(expand("{1..10}"))[-2:] == ["9", "10"]


def test_steps() -> None:
    assert list(expand("x{0..10..5}")) == ["x0", "x5", "x10"]
    assert list(expand("x{0..9..5}")) == ["x0", "x5"]
    assert list(expand("{000..100..50}y")) == ["000y", "050y", "100y"]


def test_two_ranges_are_a_product_in_order() -> None:
    assert list(expand("a{0..1}-b{2..4..2}.tar")) == [
        "a0-b2.tar", "a0-b4.tar", "a1-b2.tar", "a1-b4.tar"]


def test_single_value_range() -> None:
    assert list(expand("only-{7..7}")) == ["only-7"]


@pytest.mark.parametrize("t", ["prefix", "dir/obj-", "", "{a..z}", "{1..}", "x{1,2}"])
def test_prefix_only(t: str) -> None:
    assert not is_range(t)
    assert list(expand(t)) == [t]


def test_is_range() -> None:
    assert is_range("a{0..1}") and is_range("{5..10..5}")


@pytest.mark.parametrize("t", ["{5..1}", "x{0..10..0}", "{0..99999}{0..999}"])
def test_invalid(t: str) -> None:
    with pytest.raises(InvalidRequest):
        list(expand(t))
