"""Multipart uploads: parts in any order, completion, refusals, abort, restart."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest
import xxhash

from aisnode.core.storage import layout
from aisnode.errors import (
    ChecksumMismatch,
    EntityTooSmall,
    IncompleteBody,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    ObjectNotFound,
    UploadNotFound,
)
from aisnode.services.target.multipart import MultipartService

from .conftest import Store, body, make_store

run = asyncio.run

P1, P2, P3 = b"A" * 1000, b"B" * 2000, b"C" * 10


def _etag(*parts: bytes) -> str:
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    return f"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"


def _put(mpu: MultipartService, st: Store, uid: str, n: int, data: bytes, name: str = "big"):
    return run(mpu.put_part(st.bck, name, uid, n, body(data[:7], data[7:]), len(data)))


def test_out_of_order_reput_and_complete(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "big", {"Content-Type": "text/plain"}))
    assert uid.isalnum()
    i3 = _put(mpu, store, uid, 3, P3)
    _put(mpu, store, uid, 1, b"stale part one")
    i2 = _put(mpu, store, uid, 2, P2)
    i1 = _put(mpu, store, uid, 1, P1)  # re-put replaces
    assert (i1.size, i1.md5) == (len(P1), hashlib.md5(P1).hexdigest())
    assert i3.etag == hashlib.md5(P3).hexdigest()
    parts = mpu.list_parts(store.bck, "big", uid)
    assert [(p.number, p.size, p.md5) for p in parts] == [
        (1, len(P1), i1.md5), (2, len(P2), i2.md5), (3, len(P3), i3.md5)]
    with pytest.raises(ObjectNotFound):
        store.svc.stat(store.bck, "big")  # invisible until completed

    res, etag = run(mpu.complete(store.bck, "big", uid,
                                 [(1, f'"{i1.md5}"'), (2, i2.md5.upper()), (3, "")]))
    assert etag == _etag(P1, P2, P3)
    meta, data = run(store.svc.read_all(store.bck, "big"))
    assert data == P1 + P2 + P3
    assert meta.size == len(data) and res.meta.size == len(data)
    assert meta.cksum_value == xxhash.xxh64(data).hexdigest()
    assert meta.custom == {"Content-Type": "text/plain", "ETag": etag}
    assert meta.version == "1"
    # the upload is gone afterwards, and nothing is left in work areas
    with pytest.raises(UploadNotFound):
        mpu.list_parts(store.bck, "big", uid)
    assert os.listdir(layout.uploads_dir(store.mountpaths.all[0].path)) == []
    assert store.work_files() == []


def test_complete_subset_of_parts(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    for n, d in ((1, P1), (2, P2), (3, P3)):
        _put(mpu, store, uid, n, d, "o")
    _, etag = run(mpu.complete(store.bck, "o", uid, [(1, ""), (3, "")]))
    assert etag == _etag(P1, P3)
    assert run(store.svc.read_all(store.bck, "o"))[1] == P1 + P3


def test_missing_or_mismatched_part(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    _put(mpu, store, uid, 1, P1, "o")
    _put(mpu, store, uid, 3, P3, "o")
    with pytest.raises(InvalidPart) as ei:
        run(mpu.complete(store.bck, "o", uid, [(1, ""), (2, ""), (3, "")]))
    assert ei.value.part == 2
    with pytest.raises(InvalidPart):
        run(mpu.complete(store.bck, "o", uid, [(1, "0" * 32), (3, "")]))
    with pytest.raises(InvalidRequest):
        run(mpu.complete(store.bck, "o", uid, []))
    with pytest.raises(ObjectNotFound):
        store.svc.stat(store.bck, "o")
    # the upload is intact and can still complete
    run(mpu.complete(store.bck, "o", uid, [(1, ""), (3, "")]))


@pytest.mark.parametrize("order", [[(2, ""), (1, "")], [(1, ""), (1, "")],
                                   [(1, ""), (3, ""), (2, "")]])
def test_part_order(store: Store, order: list[tuple[int, str]]) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    for n in (1, 2, 3):
        _put(mpu, store, uid, n, P1, "o")
    with pytest.raises(InvalidPartOrder):
        run(mpu.complete(store.bck, "o", uid, order))


def test_min_part_size(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    _put(mpu, store, uid, 1, P3, "o")  # 10 bytes
    _put(mpu, store, uid, 2, P1, "o")  # 1000 bytes
    with pytest.raises(EntityTooSmall) as ei:
        run(mpu.complete(store.bck, "o", uid, [(1, ""), (2, "")], min_part_size=100))
    assert ei.value.part == 1
    # the last part may be small
    run(mpu.complete(store.bck, "o", uid, [(2, "")], min_part_size=100))
    uid = run(mpu.create(store.bck, "p"))
    _put(mpu, store, uid, 1, P1, "p")
    _put(mpu, store, uid, 2, P3, "p")
    _, etag = run(mpu.complete(store.bck, "p", uid, [(1, ""), (2, "")], min_part_size=1000))
    assert etag == _etag(P1, P3)


def test_abort(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    _put(mpu, store, uid, 1, P1, "o")
    run(mpu.abort(store.bck, "o", uid))
    with pytest.raises(UploadNotFound):
        _put(mpu, store, uid, 2, P2, "o")
    with pytest.raises(UploadNotFound):
        mpu.list_parts(store.bck, "o", uid)
    with pytest.raises(UploadNotFound):
        run(mpu.complete(store.bck, "o", uid, [(1, "")]))
    with pytest.raises(UploadNotFound):
        run(mpu.abort(store.bck, "o", uid))
    assert mpu.list_uploads(store.bck) == []
    assert store.work_files() == []


def test_upload_belongs_to_its_object(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    with pytest.raises(UploadNotFound):
        mpu.list_parts(store.bck, "other", uid)
    for bad in ("", "../x", "nonexistent0"):
        with pytest.raises(UploadNotFound):
            mpu.list_parts(store.bck, "o", bad)


def test_bad_part_number_and_body(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    for n in (0, 10001, -1):
        with pytest.raises(InvalidRequest):
            _put(mpu, store, uid, n, P1, "o")
    with pytest.raises(IncompleteBody):
        run(mpu.put_part(store.bck, "o", uid, 1, body(b"abc"), 10))
    md5 = hashlib.md5(b"abc").hexdigest()
    with pytest.raises(ChecksumMismatch):
        run(mpu.put_part(store.bck, "o", uid, 1, body(b"abc"), 3, ("md5", "0" * 32)))
    assert mpu.list_parts(store.bck, "o", uid) == []
    info = run(mpu.put_part(store.bck, "o", uid, 1, body(b"abc"), 3, ("md5", md5.upper())))
    assert info.md5 == md5
    assert store.work_files() == []


def test_parts_survive_restart(store3: Store) -> None:
    mpu = MultipartService(store3.svc)
    uids = {}
    for name in ("x", "y/z", "w"):
        uids[name] = run(mpu.create(store3.bck, name))
        _put(mpu, store3, uids[name], 2, P2, name)
        _put(mpu, store3, uids[name], 1, P1, name)

    st2 = store3.reopen()
    mpu2 = MultipartService(st2.svc)
    assert sorted(u.name for u in mpu2.list_uploads(st2.bck)) == ["w", "x", "y/z"]
    assert [u.name for u in mpu2.list_uploads(st2.bck, prefix="y/")] == ["y/z"]
    for name, uid in uids.items():
        assert [p.number for p in mpu2.list_parts(st2.bck, name, uid)] == [1, 2]
        _, etag = run(mpu2.complete(st2.bck, name, uid, [(1, ""), (2, "")]))
        assert etag == _etag(P1, P2)
        assert run(st2.svc.read_all(st2.bck, name))[1] == P1 + P2
    assert mpu2.list_uploads(st2.bck) == []


def test_drop_bucket(store: Store) -> None:
    mpu = MultipartService(store.svc)
    uid = run(mpu.create(store.bck, "o"))
    _put(mpu, store, uid, 1, P1, "o")
    mpu.drop_bucket(store.bck)
    assert mpu.list_uploads(store.bck) == []
    with pytest.raises(UploadNotFound):
        mpu.list_parts(store.bck, "o", uid)


def test_equal_parts_are_written_in_place_and_published_without_copy(tmp_path) -> None:
    """Parts of the slot size land in one `data` file; completion adopts it (same inode)."""
    import asyncio
    import os

    from aisnode.services.target.multipart import MultipartService

    st = make_store(tmp_path, 1)
    mps = MultipartService(st.svc)
    uid = asyncio.run(mps.create(st.bck, "obj"))
    parts = [os.urandom(1000), os.urandom(1000), os.urandom(10)]

    async def put(n: int, data: bytes) -> None:
        async def body():
            yield data
        await mps.put_part(st.bck, "obj", uid, n, body(), len(data))

    async def run() -> None:
        await put(2, parts[1])
        await put(3, parts[2])
        await put(1, parts[0])

    asyncio.run(run())
    infos = mps.list_parts(st.bck, "obj", uid)
    assert [p.in_slot for p in infos] == [True, True, True]
    d = mps._dir(st.bck, "obj", uid)
    inode = os.stat(os.path.join(d, "data")).st_ino
    asyncio.run(mps.complete(st.bck, "obj", uid, [(1, ""), (2, ""), (3, "")]))
    meta, path = st.svc.stat(st.bck, "obj")
    assert os.stat(path).st_ino == inode and meta.size == 2010
    assert open(path, "rb").read() == b"".join(parts)


def test_larger_part_falls_back_to_its_own_file(tmp_path) -> None:
    import asyncio
    import os

    from aisnode.services.target.multipart import MultipartService

    st = make_store(tmp_path, 1)
    mps = MultipartService(st.svc)
    uid = asyncio.run(mps.create(st.bck, "obj"))
    parts = [os.urandom(100), os.urandom(300)]  # the first sets the slot to 100

    async def run() -> None:
        for n, data in ((1, parts[0]), (2, parts[1])):
            async def body(data: bytes = data):
                yield data
            await mps.put_part(st.bck, "obj", uid, n, body(), len(data))
        await mps.complete(st.bck, "obj", uid, [(1, ""), (2, "")])

    asyncio.run(run())
    meta, path = st.svc.stat(st.bck, "obj")
    assert open(path, "rb").read() == b"".join(parts)
