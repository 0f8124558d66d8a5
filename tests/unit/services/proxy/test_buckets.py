"""BucketService: create/destroy/props/summary over temp mountpaths."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from aisnode.backends.registry import Backends
from aisnode.config import ClusterConfig
from aisnode.core.meta.bucket_map import BucketMap
from aisnode.core.storage import layout
from aisnode.core.storage.mountpaths import Mountpaths
from aisnode.errors import (
    BucketAlreadyExists,
    BucketNotEmpty,
    BucketNotFound,
    InvalidBucketName,
    InvalidProps,
    NotSupported,
    ObjectNotFound,
)
from aisnode.services.proxy.buckets import BucketService
from aisnode.services.target.multipart import MultipartService
from aisnode.services.target.objects import ObjectService
from aisnode.wire.bucket import Bucket

run = asyncio.run
B = Bucket("bck")


def _svc(tmp_path: Path, **cfg: object) -> tuple[BucketService, ObjectService]:
    mps = Mountpaths([str(tmp_path / f"mp{i}") for i in range(3)])
    mps.clean_work_files()
    bmap = BucketMap(tmp_path / "b.json")
    c = ClusterConfig(**cfg)  # type: ignore[arg-type]
    objs = ObjectService(mps, bmap, c, "t1")
    return BucketService(bmap, mps, c, MultipartService(objs), Backends()), objs


def test_create_uses_cluster_defaults(tmp_path: Path) -> None:
    bs, _ = _svc(tmp_path, checksum_type="md5", versioning=False)
    p = run(bs.create(B))
    assert p["checksum"]["type"] == "md5" and p["versioning"]["enabled"] is False
    assert bs.head(B) == p and bs.list() == [B]
    with pytest.raises(BucketAlreadyExists):
        run(bs.create(B))


def test_create_with_updates_and_refusals(tmp_path: Path) -> None:
    bs, _ = _svc(tmp_path)
    p = run(bs.create(B, {"checksum.type": "sha256"}))
    assert p["checksum"]["type"] == "sha256"
    with pytest.raises(InvalidProps):
        run(bs.create(Bucket("other"), {"bogus": 1}))
    with pytest.raises(InvalidBucketName):
        run(bs.create(Bucket("bad name")))
    with pytest.raises(NotSupported):
        run(bs.create(Bucket("remote", "aws")))
    assert bs.list() == [B]


def test_destroy_removes_objects_everywhere(tmp_path: Path) -> None:
    bs, objs = _svc(tmp_path)
    run(bs.create(B))
    for i in range(30):
        run(objs.put_bytes(B, f"d/o{i}", b"x"))
    assert not run(bs.is_empty(B))
    with pytest.raises(BucketNotEmpty):
        run(bs.destroy(B, must_be_empty=True))
    run(bs.destroy(B))
    assert bs.list() == []
    for mp in bs.mountpaths.all:
        assert not os.path.exists(layout.bucket_dir(mp.path, B))
        assert os.listdir(layout.work_dir(mp.path)) == []
    with pytest.raises(BucketNotFound):
        run(bs.destroy(B))
    run(bs.create(B))  # same name again starts empty
    assert run(bs.is_empty(B))
    with pytest.raises(ObjectNotFound):
        objs.stat(B, "d/o1")


def test_pending_upload_makes_bucket_non_empty(tmp_path: Path) -> None:
    bs, _ = _svc(tmp_path)
    run(bs.create(B))
    assert run(bs.is_empty(B))
    uid = run(bs.multipart.create(B, "o"))
    assert not run(bs.is_empty(B))
    run(bs.destroy(B))
    run(bs.create(B))
    assert bs.multipart.list_uploads(B) == []
    assert uid


def test_set_and_reset_props(tmp_path: Path) -> None:
    bs, _ = _svc(tmp_path)
    orig = run(bs.create(B))
    bid, created = orig["bid"], orig["created"]
    old, new = run(bs.set_props(B, {"mirror.enabled": "true"}))
    assert old["mirror"]["enabled"] is False and new["mirror"]["enabled"] is True
    p = run(bs.reset_props(B))
    assert p["mirror"]["enabled"] is False
    assert (p["bid"], p["created"]) == (bid, created)


def test_summary(tmp_path: Path) -> None:
    bs, objs = _svc(tmp_path)
    run(bs.create(B))
    for name, size in (("a/1", 10), ("a/2", 30), ("b", 5)):
        run(objs.put_bytes(B, name, b"z" * size))
    s = run(bs.summary(B))
    assert s["ObjCount"]["obj_count_present"] == "3"
    assert s["TotalSize"]["size_on_disk"] == "45"
    assert s["ObjSize"] == {"obj_min_size": 5, "obj_avg_size": 15, "obj_max_size": 30}
    s = run(bs.summary(B, prefix="a/"))
    assert s["ObjCount"]["obj_count_present"] == "2"
    assert s["ObjSize"]["obj_min_size"] == 10
    with pytest.raises(BucketNotFound):
        run(bs.summary(Bucket("nope")))
