"""Mountpaths: the directories (ideally one per disk) that hold objects.

An object's mountpath is chosen by HRW over the mountpaths' digests, so every node computes the
same answer without an index. On start, leftover work files (from a crash) are removed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from ...errors import InsufficientStorage, InvalidRequest
from ..meta import placement
from . import layout


@dataclass(frozen=True)
class Mountpath:
    path: str
    digest: int


class Mountpaths:
    """The set of mountpaths of this target."""

    def __init__(self, paths: list[str], min_free_bytes: int = 0) -> None:
        if not paths:
            raise InvalidRequest("at least one mountpath is required")
        mps = []
        for p in paths:
            ap = os.path.abspath(p)
            os.makedirs(ap, exist_ok=True)
            mps.append(Mountpath(ap, placement.digest(ap)))
        if len({m.path for m in mps}) != len(mps):
            raise InvalidRequest("duplicate mountpaths")
        self.all: tuple[Mountpath, ...] = tuple(mps)
        self._digests = [m.digest for m in self.all]
        self.min_free_bytes = min_free_bytes

    def for_object(self, uname: str) -> Mountpath:
        return self.all[placement.choose(uname, self._digests)]

    def owner(self, path: str) -> str:
        """The mountpath that holds `path` ("" if none)."""
        for mp in self.all:
            if path == mp.path or path.startswith(mp.path + os.sep):
                return mp.path
        return ""

    def check_xattrs(self) -> None:
        """Fail early if a mountpath's file system cannot hold user xattrs."""
        for mp in self.all:
            probe = os.path.join(mp.path, ".xattr-probe")
            with open(probe, "wb"):
                pass
            try:
                os.setxattr(probe, "user.aisnode.probe", b"1")
            except OSError as e:
                raise InvalidRequest(
                    f"mountpath {mp.path}: file system does not support user xattrs ({e})"
                ) from e
            finally:
                os.unlink(probe)

    def clean_work_files(self) -> int:
        """Remove work files left by a crash; returns how many were removed."""
        n = 0
        for mp in self.all:
            wd = layout.work_dir(mp.path)
            if os.path.isdir(wd):
                n += len(os.listdir(wd))
                shutil.rmtree(wd, ignore_errors=True)
            os.makedirs(wd, exist_ok=True)
        return n

    def ensure_space(self, mp: Mountpath, need: int = 0) -> None:
        st = os.statvfs(mp.path)
        free = st.f_bavail * st.f_frsize
        if free - need < self.min_free_bytes:
            raise InsufficientStorage(
                f"mountpath {mp.path} has {free} bytes free, needs {need} + reserve "
                f"{self.min_free_bytes}"
            )

    def capacity(self) -> list[dict[str, int | str]]:
        out: list[dict[str, int | str]] = []
        for mp in self.all:
            st = os.statvfs(mp.path)
            total = st.f_blocks * st.f_frsize
            avail = st.f_bavail * st.f_frsize
            out.append({"mountpath": mp.path, "total": total, "avail": avail,
                        "used": total - st.f_bfree * st.f_frsize})
        return out
