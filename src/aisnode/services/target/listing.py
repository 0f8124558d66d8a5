"""List objects of a bucket [AIS ais/tgtlso.go]: walk mountpaths, sort, page.

Pages are cut from the sorted name list; the continuation token is the last name returned and
the next page starts strictly after it, so pages stay correct while objects come and go. With a
delimiter (S3) or `no_recursion` (native), one directory level is listed and sub-directories
come back as `name/` items. Items carry metadata only when asked (`with_meta`), so a names-and-
sizes listing costs one stat per object, not an xattr read. Front ends render items.
"""

from __future__ import annotations

import bisect
import itertools
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ...core.storage import local_object, walk
from ...core.storage.executor import run_blocking
from ...core.storage.local_object import ObjectMeta
from ...core.storage.mountpaths import Mountpaths
from ...errors import InvalidRequest
from ...wire import messages as m
from ...wire.bucket import Bucket

_PROP_NAMES = set(m.OBJ_PROPS)


@dataclass
class ListRequest:
    prefix: str = ""
    start_after: str = ""
    token: str = ""
    page_size: int = 0
    one_level: bool = False
    """List one level under the prefix's directory; sub-directories become `dir/` items."""
    with_meta: bool = False
    skip_prefix: str = ""
    """Skip names under this prefix (S3: the CommonPrefix a previous page ended on)."""


@dataclass
class ListedItem:
    name: str
    is_dir: bool
    path: str
    size: int = 0
    meta: ObjectMeta | None = None


@dataclass
class ListResult:
    items: list[ListedItem]
    token: str
    """Last name returned when more follow; empty on the last page."""


def parse_props(s: str) -> set[str]:
    if not s or s == "all":
        return set(_PROP_NAMES) if s == "all" else {"name", "size"}
    props = {p.strip() for p in s.split(",") if p.strip()}
    bad = props - _PROP_NAMES
    if bad:
        raise InvalidRequest(f"invalid object property names: {', '.join(sorted(bad))}")
    return props | {"name"}


class Lister:
    """Lists buckets; keeps the sorted names of recent listings, keyed by the bucket's
    generation (see `ObjectService.generation`), so the pages of one listing cost a walk once,
    not once per page."""

    CACHE_ENTRIES = 32

    def __init__(self, mountpaths: Mountpaths, node_id: str, max_page: int = m.MAX_PAGE_SIZE,
                 generation: Callable[[Bucket], int] | None = None):
        self.mountpaths = mountpaths
        self.node_id = node_id
        self.max_page = max_page
        self._generation = generation
        self._cache: OrderedDict[tuple[str, str, bool], tuple[int, list[tuple[str, bool, str]]]]
        self._cache = OrderedDict()

    def _sorted_names(self, bck: Bucket, req: ListRequest) -> list[tuple[str, bool, str]]:
        if self._generation is None:
            return self._names(bck, req)
        key = (bck.uname(), req.prefix, req.one_level)
        gen = self._generation(bck)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == gen:
            self._cache.move_to_end(key)
            return hit[1]
        names = self._names(bck, req)
        self._cache[key] = (gen, names)
        if len(self._cache) > self.CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return names

    def _names(self, bck: Bucket, req: ListRequest) -> list[tuple[str, bool, str]]:
        if req.one_level:
            dir_prefix = req.prefix[: req.prefix.rfind("/") + 1]
            seen: dict[str, tuple[str, bool, str]] = {}
            for mp in self.mountpaths.all:
                for name, is_dir, path in walk.list_dir(mp.path, bck, dir_prefix):
                    if name.startswith(req.prefix) and name not in seen:
                        seen[name] = (name, is_dir, path)
            items = list(seen.values())
        else:
            items = [(n, False, p) for mp in self.mountpaths.all
                     for n, p, _ in walk.walk_objects(mp.path, bck, req.prefix)]
        items.sort(key=lambda t: t[0])
        return items

    def _list(self, bck: Bucket, req: ListRequest) -> ListResult:
        page = req.page_size if 0 < req.page_size <= self.max_page else self.max_page
        after = max(req.token, req.start_after)
        out: list[ListedItem] = []
        more = False
        names = self._sorted_names(bck, req)
        start = bisect.bisect_right(names, (after, True, "\U0010ffff")) if after else 0
        for name, is_dir, path in itertools.islice(names, start, None):
            if after and name <= after:
                continue
            if req.skip_prefix and name.startswith(req.skip_prefix):
                continue
            if len(out) >= page:
                more = True
                break
            if is_dir:
                out.append(ListedItem(name, True, path))
                continue
            item = self._item(name, path, req.with_meta)
            if item is not None:
                out.append(item)
        return ListResult(out, out[-1].name if more and out else "")

    @staticmethod
    def _item(name: str, path: str, with_meta: bool) -> ListedItem | None:
        if not with_meta:
            try:
                return ListedItem(name, False, path, os.stat(path).st_size)
            except OSError:
                return None
        meta = local_object.read_meta(path)
        if meta is None:
            return None
        return ListedItem(name, False, path, meta.size, meta)

    # defined last: inside the class body the name `list` would shadow the builtin in
    # annotations of the methods above
    async def list(self, bck: Bucket, req: ListRequest) -> ListResult:
        return await run_blocking(self._list, bck, req)
