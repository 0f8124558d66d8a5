"""List objects of a bucket [AIS ais/tgtlso.go]: walk mountpaths, sort, page.

Pages are cut from the sorted name list; the continuation token is the last name returned and
the next page starts strictly after it, so pages stay correct while objects come and go.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from email.utils import formatdate

from ...core.storage import local_object, walk
from ...core.storage.executor import run_blocking
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
    props: set[str] = field(default_factory=lambda: {"name", "size"})
    flags: int = 0
    delimiter: str = ""
    """S3 style: group names by the next delimiter after the prefix (only "/" is native)."""


@dataclass
class ListResult:
    entries: list[m.ListEntry]
    token: str
    common_prefixes: list[str] = field(default_factory=list)


def parse_props(s: str) -> set[str]:
    if not s or s == "all":
        return set(_PROP_NAMES) if s == "all" else {"name", "size"}
    props = {p.strip() for p in s.split(",") if p.strip()}
    bad = props - _PROP_NAMES
    if bad:
        raise InvalidRequest(f"invalid object property names: {', '.join(sorted(bad))}")
    return props | {"name"}


def fmt_time(ns: int) -> str:
    """AIS's default list time format (RFC 1123 in GMT)."""
    if not ns:
        return ""
    return formatdate(ns / 1e9, usegmt=True)


class Lister:
    def __init__(self, mountpaths: Mountpaths, node_id: str, max_page: int = m.MAX_PAGE_SIZE):
        self.mountpaths = mountpaths
        self.node_id = node_id
        self.max_page = max_page

    async def list(self, bck: Bucket, req: ListRequest) -> ListResult:
        return await run_blocking(self._list, bck, req)

    def _list(self, bck: Bucket, req: ListRequest) -> ListResult:
        page = req.page_size if 0 < req.page_size <= self.max_page else self.max_page
        after = max(req.token, req.start_after)
        no_recursion = bool(req.flags & m.LS_NO_RECURSION)
        no_dirs = bool(req.flags & m.LS_NO_DIRS)
        if no_recursion or req.delimiter:
            items = self._one_level(bck, req.prefix)
        else:
            items = [(n, False, p) for mp in self.mountpaths.all
                     for n, p, _ in walk.walk_objects(mp.path, bck, req.prefix)]
        items.sort(key=lambda t: t[0])
        out: list[m.ListEntry] = []
        prefixes: list[str] = []
        last = ""
        i = 0
        for name, is_dir, path in items:
            if after and name <= after:
                continue
            if is_dir and (no_dirs and not req.delimiter):
                continue
            if len(out) + len(prefixes) >= page:
                i = 1
                break
            last = name
            if is_dir:
                if req.delimiter:
                    prefixes.append(name)
                else:
                    out.append(m.ListEntry(n=name, f=m.ENTRY_IS_DIR | m.ENTRY_CACHED))
                continue
            e = self._entry(name, path, req.props, req.flags)
            if e is not None:
                out.append(e)
        token = last if i else ""
        return ListResult(out, token, prefixes)

    def _one_level(self, bck: Bucket, prefix: str) -> list[tuple[str, bool, str]]:
        dir_prefix = prefix[: prefix.rfind("/") + 1] if "/" in prefix else ""
        seen: dict[str, tuple[str, bool, str]] = {}
        for mp in self.mountpaths.all:
            for name, is_dir, path in walk.list_dir(mp.path, bck, dir_prefix):
                if name.startswith(prefix) and name not in seen:
                    seen[name] = (name, is_dir, path)
        return list(seen.values())

    def _entry(self, name: str, path: str, props: set[str], flags: int) -> m.ListEntry | None:
        e = m.ListEntry(n=name, f=m.ENTRY_CACHED)
        if flags & m.LS_NAME_ONLY:
            return e
        if props <= {"name", "size"} or flags & m.LS_NAME_SIZE:
            try:
                e.s = os.stat(path).st_size
            except OSError:
                return None
            return e
        meta = local_object.read_meta(path)
        if meta is None:
            return None
        if "size" in props:
            e.s = meta.size
        if "checksum" in props:
            e.cs = meta.cksum_value
        if "atime" in props:
            e.a = fmt_time(meta.atime_ns)
        if "version" in props:
            e.v = meta.version
        if "location" in props:
            e.t = f"t[{self.node_id}]:{os.path.dirname(path)}"
        if "copies" in props:
            e.c = 1
        if "custom" in props and meta.custom:
            e.m = ", ".join(f"{k}={v}" for k, v in sorted(meta.custom.items()))
        return e


def now_ns() -> int:
    return time.time_ns()
