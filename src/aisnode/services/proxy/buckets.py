"""Bucket operations [AIS ais/proxy.go, ais/prxbck.go]: create, destroy, props, list, summary.

Destroying a bucket first removes it from the bucket map (so it disappears at once), then moves
its directories aside into each mountpath's work area and deletes them in the background; work
areas are also cleared on start, so an interrupted delete finishes after a restart.
"""

from __future__ import annotations

import os
import secrets
import shutil
from typing import Any

from ...config import ClusterConfig
from ...core.meta import bucket_props
from ...core.meta.bucket_map import BucketMap
from ...core.storage import layout, walk
from ...core.storage.executor import run_blocking
from ...core.storage.mountpaths import Mountpaths
from ...backends.registry import Backends
from ...errors import (
    BucketAlreadyExists,
    BucketNotEmpty,
    BucketNotFound,
    InvalidRequest,
    NotSupported,
)
from ...wire.bucket import Bucket, validate_bucket_name
from ..target.multipart import MultipartService


class BucketService:
    def __init__(self, buckets: BucketMap, mountpaths: Mountpaths, cfg: ClusterConfig,
                 multipart: MultipartService, backends: Backends) -> None:
        self.map = buckets
        self.mountpaths = mountpaths
        self.cfg = cfg
        self.multipart = multipart
        self.backends = backends

    async def ensure(self, bck: Bucket, *, add: bool = True, lookup: bool = True
                     ) -> dict[str, Any]:
        """Props of `bck`; a remote bucket seen for the first time is checked at its backend
        and added to the bucket map (unless `add` is False) [AIS "lookup remote bucket"]."""
        bck.validate()
        props = self.map.lookup(bck)
        if props is not None:
            return props
        if bck.is_ais:
            raise BucketNotFound(str(bck))
        props = self.default_props(bck.provider)
        facts = {}
        if lookup:  # `--skip-lookup`: add without asking the backend
            facts = await self.backends.for_bucket(bck).head_bucket(bck, props=props)
        if facts.get("region") and bck.provider == "aws":
            props["extra"]["aws"]["cloud_region"] = facts["region"]
        if facts.get("original_url") and bck.provider == "ht":
            props["extra"]["http"]["original_url"] = facts["original_url"]
        if not add:
            return props
        try:
            return await self.map.add(bck, props)
        except BucketAlreadyExists:  # a concurrent first access added it
            return self.map.get(bck)

    def default_props(self, provider: str) -> dict[str, Any]:
        p = bucket_props.defaults(provider, self.cfg.checksum_type)
        p["versioning"]["enabled"] = self.cfg.versioning
        return p

    async def create(self, bck: Bucket, updates: dict[str, Any] | None = None) -> dict[str, Any]:
        bck.validate()
        if bck.is_remote:
            raise NotSupported(f"cannot create {bck}: remote buckets are added on first access")
        props = self.default_props(bck.provider)
        if updates:
            props = bucket_props.apply_updates(props, updates)
        return await self.map.add(bck, props)

    async def destroy(self, bck: Bucket, *, must_be_empty: bool = False) -> None:
        bck.validate()
        self.map.get(bck)
        if must_be_empty and not await self.is_empty(bck):
            raise BucketNotEmpty(str(bck))
        await self.map.remove(bck)
        await run_blocking(self._remove_dirs, bck)

    def remove_objects(self, bck: Bucket) -> None:
        """Delete every local object of `bck` (evict), keeping the bucket."""
        self.multipart.objects.bump(bck)
        for mp in self.mountpaths.all:
            src = layout.objects_dir(mp.path, bck)
            if not os.path.isdir(src):
                continue
            trash = os.path.join(layout.work_dir(mp.path), "trash-" + secrets.token_hex(8))
            os.makedirs(layout.work_dir(mp.path), exist_ok=True)
            os.rename(src, trash)
            shutil.rmtree(trash, ignore_errors=True)

    def _remove_dirs(self, bck: Bucket) -> None:
        self.multipart.objects.bump(bck)
        self.multipart.drop_bucket(bck)
        for mp in self.mountpaths.all:
            src = layout.bucket_dir(mp.path, bck)
            if not os.path.isdir(src):
                continue
            trash = os.path.join(layout.work_dir(mp.path), "trash-" + secrets.token_hex(8))
            os.makedirs(layout.work_dir(mp.path), exist_ok=True)
            os.rename(src, trash)
            shutil.rmtree(trash, ignore_errors=True)

    async def is_empty(self, bck: Bucket) -> bool:
        def check() -> bool:
            for mp in self.mountpaths.all:
                for _ in walk.walk_objects(mp.path, bck):
                    return False
            return not self.multipart.list_uploads(bck)

        return await run_blocking(check)

    def by_name(self, name: str) -> Bucket:
        """The bucket an S3 request names [AIS InitByNameOnly]: the ais bucket if there is
        one, else the one bucket of another provider with that name in the bucket map."""
        validate_bucket_name(name)
        ais = Bucket(name)
        if self.map.lookup(ais) is not None:
            return ais
        others = [b for b in self.map.list() if b.name == name]
        if len(others) == 1:
            return others[0]
        if len(others) > 1:
            raise InvalidRequest(f'bucket name "{name}" is ambiguous: '
                                 + ", ".join(str(b) for b in others))
        return ais

    def head(self, bck: Bucket) -> dict[str, Any]:
        bck.validate()
        return self.map.get(bck)

    def list(self, provider: str | None = None) -> list[Bucket]:
        return self.map.list(provider)

    async def set_props(self, bck: Bucket, updates: dict[str, Any]) -> tuple[dict, dict]:
        bck.validate()
        return await self.map.set_props(bck, updates)

    async def reset_props(self, bck: Bucket) -> dict[str, Any]:
        bck.validate()
        self.map.get(bck)
        await self.map.replace_props(bck, self.default_props(bck.provider))
        return self.map.get(bck)

    async def summary(self, bck: Bucket, prefix: str = "") -> dict[str, Any]:
        """AIS BsummResult for one bucket."""
        self.map.get(bck)

        def count() -> tuple[int, int, int, int]:
            n = total = 0
            mn, mx = -1, 0
            for mp in self.mountpaths.all:
                for _, _, e in walk.walk_objects(mp.path, bck, prefix):
                    sz = e.stat().st_size
                    n += 1
                    total += sz
                    mn = sz if mn < 0 else min(mn, sz)
                    mx = max(mx, sz)
            return n, total, max(mn, 0), mx

        n, total, mn, mx = await run_blocking(count)
        disks = sum(int(c["total"]) for c in self.mountpaths.capacity())
        return {
            **bck.to_json(),
            "ObjCount": {"obj_count_present": str(n), "obj_count_remote": "0"},
            "ObjSize": {"obj_min_size": mn, "obj_avg_size": total // n if n else 0,
                        "obj_max_size": mx},
            "TotalSize": {"size_on_disk": str(total), "size_all_present_objs": str(total),
                          "size_all_remote_objs": "0", "total_disk_size": str(disks)},
            "used_pct": (total * 100 // disks) if disks else 0,
            "is_present": True,
        }
