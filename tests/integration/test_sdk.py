"""The official `aistore` SDK (PyPI 2.0, unmodified) against a real aisnode process."""

from __future__ import annotations

import hashlib
import os

import pytest
import xxhash
from aistore.sdk import Client
from aistore.sdk.errors import AISError, ErrBckAlreadyExists, ErrBckNotFound, ErrObjNotFound

from tests.support.server import NodeProcess


@pytest.fixture
def client(node: NodeProcess) -> Client:
    return Client(node.url, timeout=(5, 30))


@pytest.fixture
def bucket(client: Client, bucket_name: str):
    b = client.bucket(bucket_name).create()
    yield b
    b.delete(missing_ok=True)


def test_cluster_info(client: Client, node: NodeProcess) -> None:
    smap = client.cluster().get_info()
    assert len(smap.tmap) == 1 and len(smap.pmap) == 1
    assert client.cluster().get_primary_url() == node.url
    assert client.cluster().is_ready()
    assert client.cluster().get_uuid()


def test_create_exists_delete(client: Client, bucket_name: str) -> None:
    b = client.bucket(bucket_name).create()
    with pytest.raises(ErrBckAlreadyExists):
        client.bucket(bucket_name).create()
    client.bucket(bucket_name).create(exist_ok=True)
    assert bucket_name in [m.name for m in client.cluster().list_buckets()]
    b.delete()
    with pytest.raises(ErrBckNotFound):
        b.delete()
    b.delete(missing_ok=True)
    with pytest.raises(ErrBckNotFound):
        b.list_all_objects()


def test_invalid_bucket_name_is_400(client: Client) -> None:
    with pytest.raises(AISError) as ei:
        client.bucket("bad..name").create()
    assert ei.value.status_code == 400


def test_put_get_attrs(bucket) -> None:
    data = os.urandom(100_000)
    obj = bucket.object("dir/x.bin")
    obj.get_writer().put_content(data)
    r = obj.get_reader()
    assert r.read_all() == data
    a = r.attributes
    assert a.checksum_type == "xxhash2"
    assert a.checksum_value == xxhash.xxh64(data).hexdigest()
    assert a.obj_version == "1"
    assert int(a.access_time) > 0
    assert a.size == len(data)
    obj.get_writer().put_content(b"v2")
    r2 = obj.get_reader()
    assert r2.read_all() == b"v2"
    assert r2.attributes.obj_version == "2"


def test_range_reads(bucket) -> None:
    data = bytes(range(256)) * 40
    obj = bucket.object("r.bin")
    obj.get_writer().put_content(data)
    from aistore.sdk.obj.object_reader import ObjectReader  # noqa: F401

    assert obj.get_reader(byte_range="bytes=10-19").read_all() == data[10:20]
    assert obj.get_reader(byte_range="bytes=-5").read_all() == data[-5:]
    assert obj.get_reader(byte_range="bytes=10000-").read_all() == data[10000:]


def test_head_and_missing(bucket) -> None:
    obj = bucket.object("h.txt")
    obj.get_writer().put_content(b"hello")
    assert obj.head().checksum_value == ""  # default props are name,size only (as in AIS)
    props = obj.head(props="checksum,atime,version")
    assert props.size == 5 and props.obj_version == "1" and int(props.access_time) > 0
    assert props.checksum_value == xxhash.xxh64(b"hello").hexdigest()
    assert props.present
    with pytest.raises(ErrObjNotFound):
        bucket.object("nope").get_reader().read_all()
    with pytest.raises(AISError) as ei:
        bucket.object("nope").head()
    assert ei.value.status_code == 404


def test_list_props_paging(bucket) -> None:
    names = [f"p/{i:04d}" for i in range(25)] + ["q/a", "q/b/c", "top"]
    for n in names:
        bucket.object(n).get_writer().put_content(n.encode())
    got = bucket.list_all_objects(props="name,size,checksum,atime,version", page_size=7)
    assert [e.name for e in got] == sorted(names)
    e0 = got[0]
    assert e0.size == len(e0.name) and e0.checksum and e0.atime and e0.version == "1"
    assert e0.is_cached() and e0.is_ok()
    assert [e.name for e in bucket.list_all_objects(prefix="q/")] == ["q/a", "q/b/c"]
    it_names = [e.name for e in bucket.list_objects_iter(prefix="p/", page_size=10)]
    assert len(it_names) == 25 and len(set(it_names)) == 25
    after = bucket.list_objects(start_after="p/0020").entries
    assert after[0].name == "p/0021"


def test_list_no_recursion(bucket) -> None:
    from aistore.sdk.list_object_flag import ListObjectFlag

    for n in ("a/1", "a/2", "b/c/d", "e"):
        bucket.object(n).get_writer().put_content(b"x")
    got = bucket.list_all_objects(flags=[ListObjectFlag.NO_RECURSION])
    assert [e.name for e in got] == ["a/", "b/", "e"]
    got = bucket.list_all_objects(flags=[ListObjectFlag.NO_RECURSION, ListObjectFlag.NO_DIRS])
    assert [e.name for e in got] == ["e"]


def test_delete_object(bucket) -> None:
    obj = bucket.object("d/x")
    obj.get_writer().put_content(b"1")
    obj.delete()
    with pytest.raises(ErrObjNotFound):
        obj.delete()
    assert bucket.list_all_objects() == []


def test_copy_object_and_custom_md(client: Client, bucket, bucket_name: str) -> None:
    dst = client.bucket(bucket_name + "-dst").create()
    try:
        src = bucket.object("src.txt")
        src.get_writer().put_content(b"copy me")
        src.get_writer().set_custom_props({"k1": "v1"})
        assert src.head(props="custom").custom_metadata == {"k1": "v1"}
        src.get_writer().set_custom_props({"k2": "v2"})
        assert src.head(props="custom").custom_metadata == {"k1": "v1", "k2": "v2"}
        src.get_writer().set_custom_props({"k3": "v3"}, replace_existing=True)
        assert src.head(props="custom").custom_metadata == {"k3": "v3"}
        src.copy(dst.object("dst.txt"))
        assert dst.object("dst.txt").get_reader().read_all() == b"copy me"
    finally:
        dst.delete(missing_ok=True)


def test_append(bucket) -> None:
    w = bucket.object("app").get_writer()
    h = w.append_content(b"abc")
    h = w.append_content(b"def", handle=h)
    w.append_content(b"", handle=h, flush=True)
    assert bucket.object("app").get_reader().read_all() == b"abcdef"


def test_multipart_upload(bucket) -> None:
    obj = bucket.object("mpu.bin")
    parts = [os.urandom(1000 + i) for i in range(3)]
    mpu = obj.multipart_upload().create()
    mpu.add_part(3).put_content(parts[2])
    mpu.add_part(1).put_content(b"to be replaced")
    mpu.add_part(1).put_content(parts[0])
    mpu.add_part(2).put_content(parts[1])
    mpu.complete()
    assert obj.get_reader().read_all() == b"".join(parts)
    with pytest.raises(AISError):
        mpu.complete()
    mpu2 = obj.multipart_upload().create()
    mpu2.add_part(1).put_content(b"x")
    mpu2.abort()
    with pytest.raises(AISError):
        mpu2.abort()
    empty = bucket.object("e").multipart_upload().create()
    with pytest.raises(AISError):
        empty.complete()


def test_multi_delete_list_and_template(bucket) -> None:
    for i in range(12):
        bucket.object(f"t-{i:02d}.bin").get_writer().put_content(b"x")
    job = bucket.objects(obj_names=["t-00.bin", "t-01.bin"]).delete()
    job2 = bucket.objects(obj_template="t-{02..09}.bin").delete()
    assert job and job2
    import time

    deadline = time.time() + 10
    while time.time() < deadline:
        names = [e.name for e in bucket.list_all_objects()]
        if names == ["t-10.bin", "t-11.bin"]:
            break
        time.sleep(0.1)
    assert names == ["t-10.bin", "t-11.bin"]


def test_job_wait(client: Client, bucket) -> None:
    for i in range(5):
        bucket.object(f"w-{i}").get_writer().put_content(b"x")
    job_id = bucket.objects(obj_template="w-{0..4}").delete()
    res = client.job(job_id=job_id, job_kind="delete-listrange").wait(timeout=30)
    assert res.success
    assert bucket.list_all_objects() == []
    status = client.job(job_id=job_id).status()
    assert status.end_time > 0


def test_copy_objects_job(client: Client, bucket, bucket_name: str) -> None:
    dst = client.bucket(bucket_name + "-cp").create()
    try:
        for i in range(4):
            bucket.object(f"c{i}").get_writer().put_content(str(i).encode())
        job_ids = bucket.objects(obj_names=["c0", "c1", "c2"]).copy(dst)
        assert len(job_ids) == 1
        assert client.job(job_id=job_ids[0], job_kind="copy-listrange").wait(timeout=30).success
        assert [e.name for e in dst.list_all_objects()] == ["c0", "c1", "c2"]
        assert dst.object("c2").get_reader().read_all() == b"2"
    finally:
        dst.delete(missing_ok=True)


def test_summary_and_info(bucket) -> None:
    bucket.object("s1").get_writer().put_content(b"12345")
    bucket.object("s2").get_writer().put_content(b"123")
    s = bucket.summary()
    assert s["ObjCount"]["obj_count_present"] == "2"
    assert s["TotalSize"]["size_all_present_objs"] == "8"
    props_json, summ = bucket.info()
    assert '"checksum"' in props_json and summ["ObjCount"]["obj_count_present"] == "2"


def test_md5_bucket_checksum(client: Client, bucket_name: str) -> None:
    import requests

    url = client.cluster().get_primary_url()
    r = requests.post(f"{url}/v1/buckets/{bucket_name}-md5?provider=ais",
                      json={"action": "create-bck", "name": "",
                            "value": {"checksum": {"type": "md5"}, "versioning": {"enabled": False}}})
    assert r.status_code == 200, r.text
    b = client.bucket(bucket_name + "-md5")
    try:
        b.object("o").get_writer().put_content(b"abc")
        a = b.object("o").get_reader().attributes
        b.object("o").get_reader().read_all()
        props = b.object("o").head(props="checksum")
        assert props.checksum_type == "md5"
        assert props.checksum_value == hashlib.md5(b"abc").hexdigest()
        assert a.obj_version == ""
    finally:
        b.delete(missing_ok=True)
