"""An in-process object store on temp mountpaths (no server)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aisnode.config import ClusterConfig
from aisnode.core.meta import bucket_props
from aisnode.core.meta.bucket_map import BucketMap
from aisnode.core.storage import layout
from aisnode.core.storage.mountpaths import Mountpaths
from aisnode.services.target.objects import ObjectService
from aisnode.wire.bucket import Bucket


@dataclass
class Store:
    root: Path
    mountpaths: Mountpaths
    bmap: BucketMap
    svc: ObjectService
    bck: Bucket

    def reopen(self) -> "Store":
        """A fresh service (as after a restart) over the same directories."""
        bmap = BucketMap(self.root / "b.json")
        bmap.load()
        mps = Mountpaths([m.path for m in self.mountpaths.all])
        return Store(self.root, mps, bmap, ObjectService(mps, bmap, ClusterConfig(), "t1"),
                     self.bck)

    def work_files(self) -> list[str]:
        out = []
        for mp in self.mountpaths.all:
            d = layout.work_dir(mp.path)
            if os.path.isdir(d):
                out += [os.path.join(d, f) for f in os.listdir(d)]
        return out

    def files(self) -> list[str]:
        """Every object file under any mountpath's `%ob`."""
        out = []
        for mp in self.mountpaths.all:
            for dirpath, _, fns in os.walk(layout.objects_dir(mp.path, self.bck)):
                out += [os.path.join(dirpath, f) for f in fns]
        return out


def make_store(root: Path, n_mp: int = 1, **props: object) -> Store:
    mps = Mountpaths([str(root / f"mp{i}") for i in range(n_mp)])
    bmap = BucketMap(root / "b.json")
    bck = Bucket("b")
    p = bucket_props.defaults()
    if props:
        p = bucket_props.apply_updates(p, props)
    asyncio.run(bmap.add(bck, p))
    return Store(root, mps, bmap, ObjectService(mps, bmap, ClusterConfig(), "t1"), bck)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


@pytest.fixture
def store3(tmp_path: Path) -> Store:
    return make_store(tmp_path, 3)


async def body(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p
