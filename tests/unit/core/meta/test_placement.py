"""HRW placement: digest/mix must match AIS (the official SDK is the reference)."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import xxhash
from aistore.sdk.utils import get_digest, xoshiro256_hash

from aisnode.core.meta import placement

NAMES = ["", "a", "ais/@#/b/obj", "aws/@uuid#ns/bck/dir/obj.tar", "ünïcode/名前", "x" * 1000]


@pytest.mark.parametrize("name", NAMES)
def test_digest_is_xxh64_with_ais_seed(name: str) -> None:
    want = xxhash.xxh64(name.encode(), seed=1103515245).intdigest()
    assert placement.digest(name) == want
    assert placement.digest(name) == get_digest(name)


def test_digest_differs_from_unseeded() -> None:
    assert placement.digest("abc") != xxhash.xxh64(b"abc").intdigest()


def test_mix_matches_sdk_xoshiro256_hash() -> None:
    rng = random.Random(20240611)
    edge = [0, 1, 2, (1 << 64) - 1, 1 << 63, (1 << 63) - 1, 0x9E3779B97F4A7C15,
            (1 << 64) - 0x9E3779B97F4A7C15]
    for v in edge + [rng.getrandbits(64) for _ in range(5000)]:
        got = placement.mix(v)
        assert got == xoshiro256_hash(v), hex(v)
        assert 0 <= got < 1 << 64


def _reference_choose(uname: str, digests: list[int]) -> int:
    """The SDK's Smap.get_target_for_object, over bare digests."""
    d = get_digest(uname)
    best, best_i = -1, None
    for i, nd in enumerate(digests):
        cs = xoshiro256_hash(nd ^ d)
        if cs > best:
            best, best_i = cs, i
    return best_i


NODES = ["t[alpha]", "t[bravo]", "t[charlie]", "t[delta]"]
DIGESTS = [placement.digest(n) for n in NODES]


def test_choose_matches_reference_and_is_deterministic() -> None:
    for i in range(2000):
        uname = f"ais/@#/bck/obj-{i}"
        got = placement.choose(uname, DIGESTS)
        assert got == _reference_choose(uname, DIGESTS)
        assert placement.choose(uname, DIGESTS) == got


def test_choose_does_not_depend_on_node_order() -> None:
    rng = random.Random(7)
    shuffled = NODES[:]
    rng.shuffle(shuffled)
    assert shuffled != NODES
    sdig = [placement.digest(n) for n in shuffled]
    for i in range(1000):
        uname = f"ais/@#/b/{i}"
        assert NODES[placement.choose(uname, DIGESTS)] == shuffled[placement.choose(uname, sdig)]


def test_choose_spreads_evenly() -> None:
    n = 10_000
    counts = Counter(placement.choose(f"ais/@#/b/obj-{i:05d}", DIGESTS) for i in range(n))
    assert set(counts) == {0, 1, 2, 3}
    for node, c in counts.items():
        assert 0.20 * n <= c <= 0.30 * n, (node, c)


def test_removing_a_node_moves_only_its_names() -> None:
    names = [f"ais/@#/b/o{i}" for i in range(4000)]
    before = {u: NODES[placement.choose(u, DIGESTS)] for u in names}
    gone = "t[charlie]"
    rest = [n for n in NODES if n != gone]
    rest_d = [placement.digest(n) for n in rest]
    after = {u: rest[placement.choose(u, rest_d)] for u in names}
    moved = {u for u in names if before[u] != after[u]}
    assert moved == {u for u in names if before[u] == gone}
    assert moved  # the removed node did own something
    # and its names are spread over the survivors, not dumped on one
    assert len({after[u] for u in moved}) == 3


def test_choose_edge_cases() -> None:
    with pytest.raises(ValueError):
        placement.choose("x", [])
    assert placement.choose("anything", [12345]) == 0
