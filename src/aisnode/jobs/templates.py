"""Object-name templates (bash-style brace ranges) [AIS cmn/cos/template.go].

`shard-{0000..0099}.tar`, `a-{1..10..2}-b-{x..z}`? Only numeric ranges are supported, with an
optional step; zero padding follows the width of the start. A template without braces is a
prefix.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from ..errors import InvalidRequest

_RANGE = re.compile(r"\{(\d+)\.\.(\d+)(?:\.\.(\d+))?\}")
MAX_EXPANSION = 10_000_000


def is_range(template: str) -> bool:
    return bool(_RANGE.search(template))


def expand(template: str) -> Iterator[str]:
    """Yield every name the template describes (in order)."""
    parts: list[str | list[str]] = []
    pos = 0
    total = 1
    for m in _RANGE.finditer(template):
        parts.append(template[pos:m.start()])
        a, b, step = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        if step <= 0 or b < a:
            raise InvalidRequest(f'invalid range in template "{template}"')
        width = len(m.group(1))
        vals = range(a, b + 1, step)
        total *= len(vals)  # a range object: sized without materialising it
        if total > MAX_EXPANSION:
            raise InvalidRequest(f'template "{template}" expands to too many names')
        parts.append([str(v).zfill(width) for v in vals])
        pos = m.end()
    parts.append(template[pos:])
    choices = [[p] if isinstance(p, str) else p for p in parts]
    for combo in itertools.product(*choices):
        yield "".join(combo)
