"""Rendezvous (HRW) placement as pure functions [AIS core/meta/hrw.go, fs/hrw.go].

digest(name) = xxhash64(name, seed 1103515245); score(node) = mix(node_digest XOR digest), where
mix is the xoshiro256** output step over two splitmix64 rounds; the highest score wins. The same
function places objects on targets (node = daemon id) and on mountpaths (node = path).
"""

from __future__ import annotations

from collections.abc import Sequence

import xxhash

SEED = 1103515245
_M = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB


def digest(name: str) -> int:
    """xxhash64 of a name with AIS's seed."""
    return xxhash.xxh64_intdigest(name.encode(), seed=SEED)


def mix(x: int) -> int:
    """Two splitmix64 steps then the xoshiro256** scrambler: a 64-bit avalanche."""
    z = (x + _GOLDEN) & _M
    z = ((z ^ (z >> 30)) * _C1) & _M
    z = ((z ^ (z >> 27)) * _C2) & _M
    z = ((z ^ (z >> 31)) + _GOLDEN) & _M
    z = ((z ^ (z >> 30)) * _C1) & _M
    z = ((z ^ (z >> 27)) * _C2) & _M
    z = ((z ^ (z >> 31)) * 5) & _M
    z = ((z << 7) | (z >> 57)) & _M
    return (z * 9) & _M


def choose(uname: str, node_digests: Sequence[int]) -> int:
    """Index of the node that owns `uname` among nodes with the given digests."""
    if not node_digests:
        raise ValueError("no nodes to choose from")
    if len(node_digests) == 1:
        return 0
    d = digest(uname)
    best, best_i = -1, 0
    for i, nd in enumerate(node_digests):
        s = mix(nd ^ d)
        if s > best:
            best, best_i = s, i
    return best_i
