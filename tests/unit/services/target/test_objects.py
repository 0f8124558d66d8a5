"""ObjectService on temp mountpaths: put/read/delete/copy/custom/append, failure cleanup."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest
import xxhash

from aisnode.core.meta import bucket_props
from aisnode.core.storage import layout
from aisnode.errors import (
    AccessDenied,
    BucketNotFound,
    ChecksumMismatch,
    IncompleteBody,
    InvalidObjectName,
    InvalidRequest,
    NameConflict,
    ObjectNotFound,
)
from aisnode.services.target.objects import PutOptions
from aisnode.wire.bucket import Bucket

from .conftest import Store, body, make_store

run = asyncio.run


def test_put_and_read_back(store: Store) -> None:
    s, b = store.svc, store.bck
    data = b"hello, world\n" * 100
    res = run(s.put_bytes(b, "dir/obj.txt", data, PutOptions(custom={"k": "v"})))
    assert res.meta.size == len(data)
    assert res.meta.cksum_type == "xxhash2"
    assert res.meta.cksum_value == xxhash.xxh64(data).hexdigest()
    assert res.meta.version == "1"
    meta, got = run(s.read_all(b, "dir/obj.txt"))
    assert got == data
    assert (meta.name, meta.size, meta.cksum_value, meta.version, meta.custom) == (
        "dir/obj.txt", len(data), xxhash.xxh64(data).hexdigest(), "1", {"k": "v"})
    assert meta.mtime_ns > 0
    st, path = s.stat(b, "dir/obj.txt")
    assert st.size == len(data)
    assert path == layout.object_path(store.mountpaths.all[0].path, b, "dir/obj.txt")
    assert store.work_files() == []


def test_streamed_put_in_chunks(store: Store) -> None:
    chunks = [os.urandom(1000) for _ in range(50)]
    data = b"".join(chunks)
    res = run(store.svc.put(store.bck, "o", body(*chunks), PutOptions(size=len(data))))
    assert res.meta.cksum_value == xxhash.xxh64(data).hexdigest()
    assert run(store.svc.read_all(store.bck, "o"))[1] == data


def test_put_without_declared_size(store: Store) -> None:
    run(store.svc.put(store.bck, "o", body(b"ab", b"cd")))
    assert run(store.svc.read_all(store.bck, "o"))[1] == b"abcd"


def test_overwrite_bumps_version(store: Store) -> None:
    s, b = store.svc, store.bck
    assert run(s.put_bytes(b, "o", b"one")).meta.version == "1"
    assert run(s.put_bytes(b, "o", b"two")).meta.version == "2"
    assert run(s.put_bytes(b, "other", b"x")).meta.version == "1"
    meta, data = run(s.read_all(b, "o"))
    assert (meta.version, data) == ("2", b"two")
    # version survives a restart
    s2 = store.reopen().svc
    assert run(s2.put_bytes(b, "o", b"three")).meta.version == "3"


def test_versioning_disabled(tmp_path: Path) -> None:
    st = make_store(tmp_path, **{"versioning.enabled": False})
    assert run(st.svc.put_bytes(st.bck, "o", b"1")).meta.version == ""
    assert run(st.svc.put_bytes(st.bck, "o", b"2")).meta.version == ""
    assert st.svc.stat(st.bck, "o")[0].version == ""


@pytest.mark.parametrize("kind,ref", [
    ("md5", lambda d: hashlib.md5(d).hexdigest()),
    ("sha256", lambda d: hashlib.sha256(d).hexdigest()),
    ("none", lambda d: ""),
])
def test_bucket_checksum_type(tmp_path: Path, kind: str, ref) -> None:
    st = make_store(tmp_path, **{"checksum.type": kind})
    meta = run(st.svc.put_bytes(st.bck, "o", b"payload")).meta
    assert meta.cksum_type == ("" if kind == "none" else kind)
    assert meta.cksum_value == ref(b"payload")
    assert st.svc.stat(st.bck, "o")[0].cksum_value == ref(b"payload")


def test_extra_hashes(store: Store) -> None:
    res = run(store.svc.put_bytes(store.bck, "o", b"abc", PutOptions(extra_hashes=("md5",))))
    assert res.digests["md5"] == hashlib.md5(b"abc").hexdigest()


def test_short_body_stores_nothing(store: Store) -> None:
    s, b = store.svc, store.bck
    with pytest.raises(IncompleteBody):
        run(s.put(b, "o", body(b"abc"), PutOptions(size=10)))
    with pytest.raises(ObjectNotFound):
        s.stat(b, "o")
    assert store.work_files() == [] and store.files() == []


def test_short_body_keeps_previous_version(store: Store) -> None:
    s, b = store.svc, store.bck
    run(s.put_bytes(b, "o", b"original"))
    with pytest.raises(IncompleteBody):
        run(s.put(b, "o", body(b"new"), PutOptions(size=100)))
    meta, data = run(s.read_all(b, "o"))
    assert (data, meta.version) == (b"original", "1")
    assert store.work_files() == []


def test_client_checksum(store: Store) -> None:
    s, b = store.svc, store.bck
    good = xxhash.xxh64(b"data").hexdigest()
    run(s.put_bytes(b, "ok", b"data", PutOptions(client_cksum=("xxhash2", good.upper()))))
    run(s.put_bytes(b, "ok-md5", b"data",
                    PutOptions(client_cksum=("md5", hashlib.md5(b"data").hexdigest()))))
    assert s.stat(b, "ok-md5")[0].cksum_type == "xxhash2"
    with pytest.raises(ChecksumMismatch):
        run(s.put_bytes(b, "bad", b"data", PutOptions(client_cksum=("xxhash2", "0" * 16))))
    with pytest.raises(ChecksumMismatch):
        run(s.put_bytes(b, "bad", b"data", PutOptions(client_cksum=("sha256", "ab" * 32))))
    with pytest.raises(ObjectNotFound):
        s.stat(b, "bad")
    assert store.work_files() == []
    assert sorted(os.path.basename(f) for f in store.files()) == ["ok", "ok-md5"]


def test_unknown_client_checksum_type_leaves_nothing(store: Store) -> None:
    with pytest.raises(InvalidRequest):
        run(store.svc.put_bytes(store.bck, "o", b"data", PutOptions(client_cksum=("bogus", "1"))))
    assert store.work_files() == []


def test_name_conflicts(store: Store) -> None:
    s, b = store.svc, store.bck
    run(s.put_bytes(b, "a", b"file"))
    with pytest.raises(NameConflict):
        run(s.put_bytes(b, "a/b", b"child"))
    with pytest.raises(NameConflict):
        run(s.put_bytes(b, "a/", b"child"))
    run(s.put_bytes(b, "x/y/z", b"deep"))
    with pytest.raises(NameConflict):
        run(s.put_bytes(b, "x", b"file"))
    with pytest.raises(NameConflict):
        run(s.put_bytes(b, "x/y", b"file"))
    assert run(s.read_all(b, "a"))[1] == b"file"
    assert run(s.read_all(b, "x/y/z"))[1] == b"deep"
    with pytest.raises(ObjectNotFound):
        s.stat(b, "x/y")
    with pytest.raises(ObjectNotFound):
        s.open(b, "x")
    assert store.work_files() == []


def test_escaped_names(store: Store) -> None:
    s, b = store.svc, store.bck
    names = ["a//b", "dir/", "%x", "%e", "ünï/名", "l" * 300, "d/" + "m" * 300 + "/o"]
    for i, n in enumerate(names):
        run(s.put_bytes(b, n, str(i).encode()))
    for i, n in enumerate(names):
        meta, data = run(s.read_all(b, n))
        assert (meta.name, data) == (n, str(i).encode())


@pytest.mark.parametrize("bad", ["", "/abs", "a/../b", "a\x00"])
def test_invalid_names_refused(store: Store, bad: str) -> None:
    with pytest.raises(InvalidObjectName):
        run(store.svc.put_bytes(store.bck, bad, b"x"))


def test_unknown_bucket(store: Store) -> None:
    with pytest.raises(BucketNotFound):
        run(store.svc.put_bytes(Bucket("nope"), "o", b"x"))
    with pytest.raises(BucketNotFound):
        store.svc.stat(Bucket("nope"), "o")


def test_delete_prunes_empty_dirs(store: Store) -> None:
    s, b = store.svc, store.bck
    run(s.put_bytes(b, "d1/d2/d3/obj", b"x"))
    run(s.put_bytes(b, "d1/keep", b"y"))
    _, path = s.stat(b, "d1/d2/d3/obj")
    run(s.delete(b, "d1/d2/d3/obj"))
    assert not os.path.exists(path)
    obdir = layout.objects_dir(store.mountpaths.all[0].path, b)
    assert not os.path.exists(os.path.join(obdir, "d1", "d2"))
    assert os.path.isdir(os.path.join(obdir, "d1"))
    run(s.delete(b, "d1/keep"))
    assert os.listdir(obdir) == []
    assert os.path.isdir(obdir)
    with pytest.raises(ObjectNotFound):
        run(s.delete(b, "d1/keep"))
    # the freed names can now be used as objects
    run(s.put_bytes(b, "d1", b"now a file"))
    assert run(s.read_all(b, "d1"))[1] == b"now a file"


def test_delete_directory_name_is_not_found(store: Store) -> None:
    run(store.svc.put_bytes(store.bck, "dir/o", b"x"))
    with pytest.raises(ObjectNotFound):
        run(store.svc.delete(store.bck, "dir"))
    assert run(store.svc.read_all(store.bck, "dir/o"))[1] == b"x"


def test_copy(store: Store) -> None:
    s, b = store.svc, store.bck
    run(store.bmap.add(Bucket("dst"), bucket_props.defaults(checksum_type="md5")))
    run(s.put_bytes(b, "src", b"content", PutOptions(custom={"k": "v"})))
    res = run(s.copy(b, "src", b, "copy"))
    assert res.meta.custom == {"k": "v"}
    assert run(s.read_all(b, "copy"))[1] == b"content"
    res = run(s.copy(b, "src", Bucket("dst"), "x/y", custom={"n": "1"}))
    assert res.meta.cksum_type == "md5"
    assert res.meta.cksum_value == hashlib.md5(b"content").hexdigest()
    meta, data = run(s.read_all(Bucket("dst"), "x/y"))
    assert (data, meta.custom, meta.version) == (b"content", {"n": "1"}, "1")
    assert run(s.read_all(b, "src"))[1] == b"content"
    with pytest.raises(ObjectNotFound):
        run(s.copy(b, "missing", b, "z"))


def test_set_custom_merge_and_replace(store: Store) -> None:
    s, b = store.svc, store.bck
    run(s.put_bytes(b, "o", b"x", PutOptions(custom={"a": "1", "b": "2"})))
    m = run(s.set_custom(b, "o", {"b": "20", "c": "3"}))
    assert m.custom == {"a": "1", "b": "20", "c": "3"}
    assert s.stat(b, "o")[0].custom == {"a": "1", "b": "20", "c": "3"}
    m = run(s.set_custom(b, "o", {"z": "9"}, replace=True))
    assert s.stat(b, "o")[0].custom == {"z": "9"}
    meta, data = run(s.read_all(b, "o"))
    assert data == b"x" and meta.version == "1"  # content and version untouched
    with pytest.raises(ObjectNotFound):
        run(s.set_custom(b, "missing", {"a": "1"}))


def test_append_then_flush(store: Store) -> None:
    s, b = store.svc, store.bck
    store.mountpaths.clean_work_files()  # as node start does
    h = run(s.append(b, "log", "", body(b"one,")))
    assert h
    assert run(s.append(b, "log", h, body(b"two,", b"three"))) == h
    with pytest.raises(ObjectNotFound):
        s.stat(b, "log")  # nothing visible before flush
    meta = run(s.flush_append(b, "log", h))
    assert meta.size == len(b"one,two,three")
    assert meta.cksum_value == xxhash.xxh64(b"one,two,three").hexdigest()
    assert run(s.read_all(b, "log"))[1] == b"one,two,three"
    assert store.work_files() == []
    with pytest.raises(InvalidRequest):
        run(s.flush_append(b, "log", h))
    with pytest.raises(InvalidRequest):
        run(s.append(b, "log", "deadbeef", body(b"x")))
    with pytest.raises(InvalidRequest):
        run(s.append(b, "log", "../../etc", body(b"x")))


def test_read_only_bucket(tmp_path: Path) -> None:
    st = make_store(tmp_path)
    run(st.svc.put_bytes(st.bck, "o", b"x"))
    run(st.bmap.set_props(st.bck, {"access": "ro"}))
    with pytest.raises(AccessDenied):
        run(st.svc.put_bytes(st.bck, "p", b"y"))
    with pytest.raises(AccessDenied):
        run(st.svc.delete(st.bck, "o"))
    with pytest.raises(AccessDenied):
        run(st.svc.append(st.bck, "o", "", body(b"z")))
    assert run(st.svc.read_all(st.bck, "o"))[1] == b"x"
    assert st.work_files() == []


def test_three_mountpaths(store3: Store) -> None:
    s, b = store3.svc, store3.bck
    names = [f"obj-{i:03d}" for i in range(60)]
    for n in names:
        run(s.put_bytes(b, n, n.encode()))
    used = set()
    for n in names:
        mp = store3.mountpaths.for_object(b.uname(n))
        used.add(mp.path)
        assert os.path.isfile(layout.object_path(mp.path, b, n))
        for other in store3.mountpaths.all:
            if other.path != mp.path:
                assert not os.path.exists(layout.object_path(other.path, b, n))
    assert len(used) == 3
    # found again through a fresh service whose mountpaths are listed in another order
    from aisnode.config import ClusterConfig
    from aisnode.core.storage.mountpaths import Mountpaths
    from aisnode.services.target.objects import ObjectService

    rev = Mountpaths([m.path for m in reversed(store3.mountpaths.all)])
    s2 = ObjectService(rev, store3.bmap, ClusterConfig(), "t1")
    for n in names:
        assert run(s2.read_all(b, n))[1] == n.encode()


def test_etag_hash_and_late_custom(store: Store) -> None:
    from aisnode.services.target.objects import etag_of

    s, b = store.svc, store.bck
    calls: list[int] = []

    def late() -> dict[str, str]:
        calls.append(1)
        return {"trailer": "t", "k": "late"}

    res = run(s.put_bytes(b, "o", b"abc", PutOptions(custom={"k": "early"}, etag_hash="md5",
                                                     late_custom=late)))
    md5 = hashlib.md5(b"abc").hexdigest()
    assert calls == [1]
    assert res.meta.custom == {"k": "late", "trailer": "t", "ETag": md5}
    assert s.stat(b, "o")[0].custom["ETag"] == md5
    assert etag_of(res.meta) == md5
    # late_custom is not consulted when the body is refused
    with pytest.raises(IncompleteBody):
        run(s.put(b, "p", body(b"x"), PutOptions(size=2, late_custom=late)))
    assert calls == [1]


def test_etag_of_fallbacks(tmp_path: Path) -> None:
    from aisnode.services.target.objects import etag_of

    md5b = make_store(tmp_path / "m", **{"checksum.type": "md5"})
    meta = run(md5b.svc.put_bytes(md5b.bck, "o", b"abc")).meta
    assert etag_of(meta) == hashlib.md5(b"abc").hexdigest()
    xx = make_store(tmp_path / "x")
    meta = run(xx.svc.put_bytes(xx.bck, "o", b"abc")).meta
    tag = etag_of(meta)
    assert tag.startswith(f"v1-{meta.cksum_value}-") and len(tag) > len(meta.cksum_value) + 4
    none = make_store(tmp_path / "n", **{"checksum.type": "none"})
    assert etag_of(run(none.svc.put_bytes(none.bck, "o", b"abc")).meta) == ""
