"""The bucket map: versioned mutations, persistence, rollback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from aisnode.core.meta import bucket_props, versioned
from aisnode.core.meta.bucket_map import BucketMap
from aisnode.core.meta.versioned import CorruptMetadata
from aisnode.errors import BucketAlreadyExists, BucketNotFound, InvalidProps
from aisnode.wire.bucket import Bucket, Namespace

B = Bucket("b")
C = Bucket("c")
NSB = Bucket("b", "ais", Namespace("", "ns1"))
AWSB = Bucket("b", "aws")


def _fresh(path: Path) -> BucketMap:
    m = BucketMap(path)
    m.load()
    return m


def test_empty_map(tmp_path: Path) -> None:
    m = _fresh(tmp_path / "bmd.json")
    assert m.version == 0 and m.list() == []
    assert not (tmp_path / "bmd.json").exists()
    with pytest.raises(BucketNotFound):
        m.get(B)
    assert m.lookup(B) is None


def test_add_bumps_version_assigns_bid_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "bmd.json"
    m = BucketMap(path)
    p = asyncio.run(m.add(B, bucket_props.defaults()))
    assert m.version == 1 and p["bid"] == "1"
    asyncio.run(m.add(C, bucket_props.defaults(checksum_type="md5")))
    assert m.version == 2 and m.get(C)["bid"] == "2"
    assert versioned.load(path)[0] == 2

    m2 = _fresh(path)
    assert m2.version == 2
    assert m2.uuid == m.uuid
    assert m2.list() == [B, C]
    assert m2.get(B) == m.get(B)
    assert m2.get(C)["checksum"]["type"] == "md5"
    # the bid counter survives too
    asyncio.run(m2.add(Bucket("d"), bucket_props.defaults()))
    assert m2.get(Bucket("d"))["bid"] == "3"


def test_provider_and_namespace_are_part_of_identity(tmp_path: Path) -> None:
    m = BucketMap(tmp_path / "bmd.json")
    for b in (B, NSB, AWSB):
        asyncio.run(m.add(b, bucket_props.defaults(b.provider)))
    assert len(m.list()) == 3
    assert m.list("aws") == [AWSB]
    m2 = _fresh(tmp_path / "bmd.json")
    assert set(m2.list()) == {B, NSB, AWSB}
    assert m2.get(NSB)["bid"] != m2.get(B)["bid"]
    with pytest.raises(BucketNotFound):
        m2.get(Bucket("b", "ais", Namespace("", "other")))


def test_duplicate_add(tmp_path: Path) -> None:
    m = BucketMap(tmp_path / "bmd.json")
    first = asyncio.run(m.add(B, bucket_props.defaults()))
    with pytest.raises(BucketAlreadyExists):
        asyncio.run(m.add(B, bucket_props.defaults(checksum_type="md5")))
    assert m.version == 1
    assert m.get(B) == first and m.get(B)["checksum"]["type"] == "xxhash2"
    assert versioned.load(tmp_path / "bmd.json")[0] == 1


def test_add_copies_props(tmp_path: Path) -> None:
    m = BucketMap(tmp_path / "bmd.json")
    props = bucket_props.defaults()
    asyncio.run(m.add(B, props))
    props["checksum"]["type"] = "md5"
    assert m.get(B)["checksum"]["type"] == "xxhash2"


def test_remove(tmp_path: Path) -> None:
    path = tmp_path / "bmd.json"
    m = BucketMap(path)
    asyncio.run(m.add(B, bucket_props.defaults()))
    asyncio.run(m.add(C, bucket_props.defaults()))
    asyncio.run(m.remove(B))
    assert m.version == 3 and m.list() == [C]
    with pytest.raises(BucketNotFound):
        asyncio.run(m.remove(B))
    assert m.version == 3
    m2 = _fresh(path)
    assert m2.list() == [C] and m2.version == 3


def test_set_props(tmp_path: Path) -> None:
    path = tmp_path / "bmd.json"
    m = BucketMap(path)
    asyncio.run(m.add(B, bucket_props.defaults()))
    old, new = asyncio.run(m.set_props(B, {"checksum.type": "md5", "versioning.enabled": False}))
    assert old["checksum"]["type"] == "xxhash2" and old["versioning"]["enabled"] is True
    assert new["checksum"]["type"] == "md5" and new["versioning"]["enabled"] is False
    assert new["bid"] == old["bid"]
    assert m.version == 2
    m2 = _fresh(path)
    assert m2.get(B)["checksum"]["type"] == "md5"
    assert m2.get(B)["versioning"]["enabled"] is False


def test_set_props_failure_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bmd.json"
    m = BucketMap(path)
    asyncio.run(m.add(B, bucket_props.defaults()))
    before = json.loads(json.dumps(m.get(B)))
    with pytest.raises(InvalidProps):
        asyncio.run(m.set_props(B, {"checksum.type": "md5", "nope": 1}))
    with pytest.raises(BucketNotFound):
        asyncio.run(m.set_props(C, {"checksum.type": "md5"}))
    assert m.version == 1 and m.get(B) == before
    assert _fresh(path).get(B) == before


def test_replace_props_keeps_identity(tmp_path: Path) -> None:
    m = BucketMap(tmp_path / "bmd.json")
    asyncio.run(m.add(B, bucket_props.defaults()))
    orig = dict(m.get(B))
    asyncio.run(m.replace_props(B, bucket_props.defaults(checksum_type="sha512")))
    got = m.get(B)
    assert got["checksum"]["type"] == "sha512"
    assert (got["bid"], got["created"]) == (orig["bid"], orig["created"])


def _failing_save(*a: object, **k: object) -> None:
    raise OSError(28, "No space left on device")


def test_failed_save_rolls_back_buckets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bmd.json"
    m = BucketMap(path)
    asyncio.run(m.add(B, bucket_props.defaults()))
    monkeypatch.setattr(versioned, "save", _failing_save)
    with pytest.raises(OSError):
        asyncio.run(m.add(C, bucket_props.defaults()))
    with pytest.raises(OSError):
        asyncio.run(m.set_props(B, {"checksum.type": "md5"}))
    with pytest.raises(OSError):
        asyncio.run(m.remove(B))
    assert m.list() == [B]
    assert m.get(B)["checksum"]["type"] == "xxhash2"
    monkeypatch.undo()
    # the bid handed to the failed add is not burnt
    asyncio.run(m.add(C, bucket_props.defaults()))
    assert m.get(C)["bid"] == "2"


def test_failed_save_rolls_back_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = BucketMap(tmp_path / "bmd.json")
    asyncio.run(m.add(B, bucket_props.defaults()))
    monkeypatch.setattr(versioned, "save", _failing_save)
    with pytest.raises(OSError):
        asyncio.run(m.add(C, bucket_props.defaults()))
    assert m.version == 1


def test_corrupted_file(tmp_path: Path) -> None:
    path = tmp_path / "bmd.json"
    m = BucketMap(path)
    asyncio.run(m.add(B, bucket_props.defaults()))
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"xxhash2"', b'"md5"'))
    with pytest.raises(CorruptMetadata):
        _fresh(path)
    path.write_bytes(b"not json at all")
    with pytest.raises(CorruptMetadata):
        _fresh(path)
