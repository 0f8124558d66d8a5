"""HTTP `Range: bytes=...` parsing shared by both front ends (single ranges only)."""

from __future__ import annotations

import re

from ..errors import RangeNotSatisfiable

_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(offset, length) of the requested slice, None for the whole object.

    A syntactically invalid or multi-range header is ignored (RFC 9110 allows that; S3 does the
    same); a valid range that starts past the end is RangeNotSatisfiable.
    """
    if not header:
        return None
    m = _RE.match(header)
    if not m:
        return None
    a, b = m.group(1), m.group(2)
    if a == "" and b == "":
        return None
    if size == 0:  # nothing in an empty object is satisfiable (RFC 9110 14.1.1)
        raise RangeNotSatisfiable(header, size)
    if a == "":
        n = int(b)
        if n == 0:
            raise RangeNotSatisfiable(header, size)
        n = min(n, size)
        return size - n, n
    start = int(a)
    end = int(b) if b else size - 1
    if b and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(header, size)
    end = min(end, size - 1)
    return start, end - start + 1
