"""Walk a bucket's objects on one mountpath: yields (name, path, DirEntry).

Names are decoded from paths; a hashed (too-long) segment is resolved from the object's
metadata. `prefix` prunes directories that cannot contain matching names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ...wire.bucket import Bucket
from . import layout, local_object


def walk_objects(mp: str, bck: Bucket, prefix: str = "") -> Iterator[tuple[str, str, os.DirEntry[str]]]:
    root = layout.objects_dir(mp, bck)
    yield from _walk(root, "", prefix)


def _walk(d: str, rel: str, prefix: str) -> Iterator[tuple[str, str, os.DirEntry[str]]]:
    try:
        it = os.scandir(d)
    except (FileNotFoundError, NotADirectoryError):
        return
    with it:
        entries = list(it)
    for e in entries:
        seg = layout.decode_segment(e.name)
        if e.is_dir(follow_symlinks=False):
            if seg is None:
                # hashed directory name: descend, names come from metadata
                yield from _walk(e.path, rel + "\x00", prefix)
                continue
            sub = rel + seg + "/"
            if prefix and "\x00" not in sub and not (
                    sub.startswith(prefix) or prefix.startswith(sub)):
                continue
            yield from _walk(e.path, sub, prefix)
        elif e.is_file(follow_symlinks=False):
            if seg is None or "\x00" in rel:
                meta = local_object.read_meta(e.path)
                if meta is None:
                    continue
                name = meta.name
            else:
                name = rel + seg
            if prefix and not name.startswith(prefix):
                continue
            yield name, e.path, e


def list_dir(mp: str, bck: Bucket, dir_prefix: str) -> Iterator[tuple[str, bool, str]]:
    """One level under `dir_prefix` (which ends with `/` or is empty): (name, is_dir, path)."""
    root = layout.objects_dir(mp, bck)
    d = os.path.join(root, layout.object_rel(dir_prefix[:-1])) if dir_prefix else root
    try:
        it = os.scandir(d)
    except (FileNotFoundError, NotADirectoryError):
        return
    with it:
        for e in it:
            seg = layout.decode_segment(e.name)
            if e.is_dir(follow_symlinks=False):
                if seg is None:  # hashed (long) name: recover it from any object below
                    seg = _segment_from_below(e.path, dir_prefix.count("/"))
                    if seg is None:
                        continue
                yield dir_prefix + seg + "/", True, e.path
            elif e.is_file(follow_symlinks=False):
                if seg is None:
                    meta = local_object.read_meta(e.path)
                    if meta is None:
                        continue
                    yield meta.name, False, e.path
                else:
                    yield dir_prefix + seg, False, e.path


def _segment_from_below(d: str, depth: int) -> str | None:
    """The original name segment at `depth` of any object stored under directory `d`."""
    for root, _, files in os.walk(d):
        for f in files:
            meta = local_object.read_meta(os.path.join(root, f))
            if meta is not None:
                parts = meta.name.split("/")
                return parts[depth] if depth < len(parts) else None
    return None
