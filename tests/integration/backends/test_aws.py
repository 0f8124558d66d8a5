"""aws:// (s3://) backend against a real moto server: first access, cold/warm GET, version
validation, synchronize, write-through PUT/DELETE, cold range, backend down."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from aistore.sdk import Client
from botocore.exceptions import ClientError

from tests.support.backends import AWS_TEST_ENV, ServerProcess, moto_server
from tests.support.http import raw
from tests.support.http import set_props as props
from tests.support.server import NodeProcess


def _node(root: Path, moto: ServerProcess) -> NodeProcess:
    return NodeProcess(root / "ais", env={**AWS_TEST_ENV, "AWS_ENDPOINT_URL": moto.url,
                                         "AWS_CONFIG_FILE": os.devnull,
                                         "AWS_SHARED_CREDENTIALS_FILE": os.devnull}).start()


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    m = moto_server(tmp_path_factory.mktemp("moto")).start()
    yield m
    m.stop()


@pytest.fixture(scope="module")
def s3(moto: ServerProcess):
    return boto3.client("s3", endpoint_url=moto.url, **{
        "aws_access_key_id": "testing", "aws_secret_access_key": "testing",
        "region_name": "us-east-1"})


@pytest.fixture(scope="module")
def aisn(tmp_path_factory: pytest.TempPathFactory, moto: ServerProcess
         ) -> Iterator[NodeProcess]:
    n = _node(tmp_path_factory.mktemp("aisn"), moto)
    yield n
    n.stop()


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[ServerProcess, NodeProcess, object]]:
    """A moto and a node of the test's own (for tests that stop the backend)."""
    m = moto_server(tmp_path).start()
    n = _node(tmp_path, m)
    cl = boto3.client("s3", endpoint_url=m.url, aws_access_key_id="testing",
                      aws_secret_access_key="testing", region_name="us-east-1")
    yield m, n, cl
    n.stop()
    m.stop()



def set_props(node: NodeProcess, bucket: str, value: dict) -> None:
    props(node, bucket, value, "aws")


def test_cold_then_warm_get_and_listing(own) -> None:
    moto, aisn, s3 = own
    s3.create_bucket(Bucket="data")
    for i in range(3):
        s3.put_object(Bucket="data", Key=f"d/o{i}", Body=f"body-{i}".encode() * 100)
    c = Client(aisn.url)
    b = c.bucket("data", provider="aws")
    entries = b.list_all_objects(props="name,size,cached")
    assert [e.name for e in entries] == ["d/o0", "d/o1", "d/o2"]
    assert not any(e.is_cached() for e in entries)
    assert any(m.name == "data" and m.provider == "aws"
               for m in c.cluster().list_buckets(provider="aws"))
    assert b.object("d/o1").get_reader().read_all() == b"body-1" * 100
    cached = {e.name: e.is_cached() for e in b.list_all_objects(props="name,size,cached")}
    assert cached == {"d/o0": False, "d/o1": True, "d/o2": False}
    from aistore.sdk.list_object_flag import ListObjectFlag

    only = b.list_all_objects(flags=[ListObjectFlag.CACHED])
    assert [e.name for e in only] == ["d/o1"]
    props = b.object("d/o1").head(props="checksum,custom,version")
    assert props.present and props.checksum_type == "xxhash2"
    assert props.custom_metadata.get("source") == "aws"
    moto.stop()  # warm GET must not touch the backend
    assert b.object("d/o1").get_reader().read_all() == b"body-1" * 100


def test_validate_warm_get_and_synchronize(s3, aisn: NodeProcess) -> None:
    s3.create_bucket(Bucket="vers")
    s3.put_object(Bucket="vers", Key="k", Body=b"v1")
    b = Client(aisn.url).bucket("vers", provider="aws")
    assert b.object("k").get_reader().read_all() == b"v1"
    s3.put_object(Bucket="vers", Key="k", Body=b"v2-changed")
    assert b.object("k").get_reader().read_all() == b"v1"  # no validation: cached copy
    set_props(aisn, "vers", {"versioning": {"validate_warm_get": True}})
    assert b.object("k").get_reader().read_all() == b"v2-changed"
    set_props(aisn, "vers", {"versioning": {"synchronize": True}})
    s3.delete_object(Bucket="vers", Key="k")
    st, _, _ = raw(aisn, "GET", "/v1/objects/vers/k?provider=aws")
    assert st == 404
    st, _, _ = raw(aisn, "GET", "/v1/buckets/vers?provider=aws", json.dumps(
        {"action": "list", "name": "", "value": {"flags": "1", "props": "name"}}).encode())
    assert st == 200
    cached = Client(aisn.url).bucket("vers", provider="aws").list_all_objects(
        flags=[__import__("aistore.sdk.list_object_flag", fromlist=["x"]).ListObjectFlag.CACHED])
    assert cached == []


def test_latest_ver_query(s3, aisn: NodeProcess) -> None:
    s3.create_bucket(Bucket="latest")
    s3.put_object(Bucket="latest", Key="k", Body=b"old")
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=aws")[1] == b"old"
    s3.put_object(Bucket="latest", Key="k", Body=b"new!")
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=aws")[1] == b"old"
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=aws&latest-ver=true")[1] == b"new!"


def test_write_through_put_and_delete(s3, aisn: NodeProcess) -> None:
    s3.create_bucket(Bucket="wthru")
    b = Client(aisn.url).bucket("wthru", provider="aws")
    b.object("new/obj").get_writer().put_content(b"written through")
    assert s3.get_object(Bucket="wthru", Key="new/obj")["Body"].read() == b"written through"
    assert b.object("new/obj").head().present
    b.object("new/obj").delete()
    with pytest.raises(ClientError):
        s3.head_object(Bucket="wthru", Key="new/obj")
    assert raw(aisn, "GET", "/v1/objects/wthru/new/obj?provider=aws")[0] == 404


def test_range_on_cold_object_is_not_cached(s3, aisn: NodeProcess) -> None:
    s3.create_bucket(Bucket="rng")
    s3.put_object(Bucket="rng", Key="r", Body=b"0123456789")
    st, body, h = raw(aisn, "GET", "/v1/objects/rng/r?provider=aws", headers={
        "Range": "bytes=2-4"})
    assert st == 206 and body == b"234" and h["content-range"] == "bytes 2-4/10"
    st, body, h = raw(aisn, "GET", "/v1/objects/rng/r?provider=aws", headers={
        "Range": "bytes=-3"})
    assert st == 206 and body == b"789"
    st, _, h = raw(aisn, "HEAD", "/v1/objects/rng/r?provider=aws")
    assert h["ais-present"] == "false"


def test_missing_remote_bucket_and_object(s3, aisn: NodeProcess) -> None:
    st, body, _ = raw(aisn, "GET", "/v1/objects/nosuch/o?provider=aws")
    assert st == 404 and b"aws" in body or b"s3://nosuch" in body
    s3.create_bucket(Bucket="half")
    st, body, _ = raw(aisn, "GET", "/v1/objects/half/missing?provider=aws")
    assert st == 404 and b"s3://half/missing" in body


def test_backend_down_gives_clear_error_and_caches_nothing(own) -> None:
    moto, aisn, s3 = own
    s3.create_bucket(Bucket="down")
    s3.put_object(Bucket="down", Key="k", Body=b"x" * 1000)
    assert raw(aisn, "HEAD", "/v1/buckets/down?provider=aws")[0] == 200  # added to the map
    moto.stop()
    st, body, _ = raw(aisn, "GET", "/v1/objects/down/k?provider=aws")
    assert st in (502, 503, 504), body
    assert b"aws" in body
    work = [p for p in Path(aisn.data_dir).rglob("*") if p.is_file() and "%ob" in str(p)]
    assert work == []


def test_prefetch_and_evict_jobs(s3, aisn: NodeProcess) -> None:
    from aistore.sdk.list_object_flag import ListObjectFlag

    s3.create_bucket(Bucket="pref")
    for i in range(6):
        s3.put_object(Bucket="pref", Key=f"p-{i}.bin", Body=bytes([i]) * 2000)
    c = Client(aisn.url)
    b = c.bucket("pref", provider="aws")
    job_id = b.objects(obj_template="p-{0..3}.bin").prefetch()
    assert c.job(job_id=job_id, job_kind="prefetch-listrange").wait(timeout=60).success
    cached = [e.name for e in b.list_all_objects(flags=[ListObjectFlag.CACHED])]
    assert cached == ["p-0.bin", "p-1.bin", "p-2.bin", "p-3.bin"]
    job_id = b.objects(obj_names=["p-0.bin", "p-1.bin"]).evict()
    assert c.job(job_id=job_id, job_kind="evict-listrange").wait(timeout=60).success
    cached = [e.name for e in b.list_all_objects(flags=[ListObjectFlag.CACHED])]
    assert cached == ["p-2.bin", "p-3.bin"]
    job_id = b.objects(obj_template="p-").prefetch()  # a prefix: lists the backend
    assert c.job(job_id=job_id, job_kind="prefetch-listrange").wait(timeout=60).success
    assert len(b.list_all_objects(flags=[ListObjectFlag.CACHED])) == 6
    b.evict(keep_md=True)
    assert b.list_all_objects(flags=[ListObjectFlag.CACHED]) == []
    assert len(b.list_all_objects()) == 6  # the backend still has them
    b.evict(keep_md=False)
    assert all(m.name != "pref" for m in c.cluster().list_buckets(provider="aws"))


def test_backend_bck_redirection(s3, aisn: NodeProcess) -> None:
    s3.create_bucket(Bucket="origin")
    s3.put_object(Bucket="origin", Key="from-s3", Body=b"remote bytes")
    c = Client(aisn.url)
    front = c.bucket("front").create()
    st, body, _ = raw(aisn, "PATCH", "/v1/buckets/front", json.dumps(
        {"action": "set-bprops", "name": "", "value": {"backend_bck": {
            "name": "origin", "provider": "aws"}}}).encode())
    assert st == 200, body
    assert front.object("from-s3").get_reader().read_all() == b"remote bytes"
    front.object("to-s3").get_writer().put_content(b"through ais")
    assert s3.get_object(Bucket="origin", Key="to-s3")["Body"].read() == b"through ais"
    names = [e.name for e in front.list_all_objects()]
    assert names == ["from-s3", "to-s3"]
    st, body, _ = raw(aisn, "PATCH", "/v1/buckets/front", json.dumps(
        {"action": "set-bprops", "name": "", "value": {"backend_bck": "none"}}).encode())
    assert st == 200, body
    assert raw(aisn, "GET", "/v1/objects/front/never-fetched")[0] == 404
    front.delete()


def test_s3_api_on_a_remote_bucket(s3, aisn: NodeProcess) -> None:
    """The /s3 front addresses an aws bucket by name once it is in the bucket map; listing
    comes from the backend, GET caches, PUT writes through."""
    s3.create_bucket(Bucket="s3front")
    s3.put_object(Bucket="s3front", Key="x/1", Body=b"one")
    assert raw(aisn, "HEAD", "/v1/buckets/s3front?provider=aws")[0] == 200
    front = boto3.client("s3", endpoint_url=aisn.url + "/s3", aws_access_key_id="testing",
                         aws_secret_access_key="testing", region_name="us-east-1")
    assert [o["Key"] for o in front.list_objects_v2(Bucket="s3front")["Contents"]] == ["x/1"]
    assert front.get_object(Bucket="s3front", Key="x/1")["Body"].read() == b"one"
    front.put_object(Bucket="s3front", Key="x/2", Body=b"two")
    assert s3.get_object(Bucket="s3front", Key="x/2")["Body"].read() == b"two"
    names = [b["Name"] for b in front.list_buckets()["Buckets"]]
    assert "s3front" in names
    st, body, _ = raw(aisn, "GET", "/v1/buckets/s3front?provider=aws", json.dumps(
        {"action": "list", "name": "", "value": {"flags": "1", "props": "name"}}).encode())
    assert sorted(e["name"] for e in json.loads(body)["entries"]) == ["x/1", "x/2"]


@pytest.mark.parametrize("style", ["virtual-hosted", "path"])
def test_presigned_pass_through(tmp_path: Path, moto: ServerProcess, s3, style: str) -> None:
    """An AWS-presigned URL pointed at aisnode's /s3 is replayed against S3 (moto here) and
    what it reads is cached: `ls s3://bucket` then shows the object cached."""
    import urllib.request

    from botocore.config import Config

    bucket = f"presign-{style[:4]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/obj", Body=b"signed bytes")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"cluster": {"features": ["S3-Presigned-Request"]}}))
    n = NodeProcess(tmp_path / "p", extra_args=["--config", str(cfg)], env={
        **AWS_TEST_ENV, "AWS_ENDPOINT_URL": moto.url, "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull}).start()
    try:
        aws = boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                           aws_secret_access_key="testing",
                           config=Config(signature_version="s3v4"))
        url = aws.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                               "Key": "dir/obj"})
        query = url.split("?", 1)[1]
        req = urllib.request.Request(f"{n.url}/s3/{bucket}/dir/obj?{query}")
        if style == "path":
            req.add_header("Ais-S3-Signed-Request-Style", "path")
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.read() == b"signed bytes"
        entries = Client(n.url).bucket(bucket, provider="aws").list_all_objects(
            props="name,size,cached")
        assert [(e.name, e.is_cached()) for e in entries] == [("dir/obj", True)]
        put_url = aws.generate_presigned_url("put_object", Params={"Bucket": bucket,
                                                                   "Key": "up"})
        req = urllib.request.Request(f"{n.url}/s3/{bucket}/up?{put_url.split('?', 1)[1]}",
                                     data=b"uploaded", method="PUT",
                                     headers={"Content-Type": "application/octet-stream"})
        if style == "path":
            req.add_header("Ais-S3-Signed-Request-Style", "path")
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200
        assert s3.get_object(Bucket=bucket, Key="up")["Body"].read() == b"uploaded"
        assert raw(n, "GET", f"/v1/objects/{bucket}/up?provider=aws")[1] == b"uploaded"
    finally:
        n.stop()


def test_s3_bucket_through_a_remote_cluster(tmp_path: Path, s3, aisn: NodeProcess) -> None:
    """`s3://@far/b`: the remote cluster (here the module's node, which fronts moto) serves
    its s3://b; the local node caches it, also as an ais bucket's backend_bck."""
    s3.create_bucket(Bucket="viafar")
    s3.put_object(Bucket="viafar", Key="k", Body=b"two hops")
    local = NodeProcess(tmp_path / "local").start()
    try:
        st, body, _ = raw(local, "PUT", f"/v1/cluster/attach?what=remote&alias=far&url={aisn.url}")
        assert st == 200, body
        st, body, _ = raw(local, "GET", "/v1/objects/viafar/k?provider=aws&namespace=@far")
        assert st == 200 and body == b"two hops"
        st, body, _ = raw(local, "HEAD", "/v1/objects/viafar/k?provider=aws&namespace=@far")
        assert st == 200 and body == b""
        c = Client(local.url)
        c.bucket("front2").create()
        st, body, _ = raw(local, "PATCH", "/v1/buckets/front2", json.dumps(
            {"action": "set-bprops", "name": "", "value": {"backend_bck": "s3://@far/viafar"}}
        ).encode())
        assert st == 200, body
        assert c.bucket("front2").object("k").get_reader().read_all() == b"two hops"
    finally:
        local.stop()


def test_client_leaving_a_cold_get_caches_nothing(s3, aisn: NodeProcess) -> None:
    """A client that disconnects mid cold GET leaves no object and no work file; the next GET
    fetches the whole object."""
    import socket
    import time

    s3.create_bucket(Bucket="leave")
    data = os.urandom(24 << 20)
    s3.put_object(Bucket="leave", Key="big", Body=data)
    assert raw(aisn, "HEAD", "/v1/buckets/leave?provider=aws")[0] == 200
    sock = socket.create_connection(("127.0.0.1", aisn.port))
    sock.sendall(b"GET /v1/objects/leave/big?provider=aws HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(65536)
    sock.close()
    time.sleep(1.0)
    st, _, h = raw(aisn, "HEAD", "/v1/objects/leave/big?provider=aws")
    assert st == 200 and h["ais-present"] == "false"
    work = [p for p in Path(aisn.data_dir).rglob("%wk/*") if p.is_file()]
    assert work == []
    st, body, _ = raw(aisn, "GET", "/v1/objects/leave/big?provider=aws")
    assert st == 200 and body == data
    assert raw(aisn, "HEAD", "/v1/objects/leave/big?provider=aws")[2]["ais-present"] == "true"


def test_list_buckets_marks_providers_and_warns_on_shared_names(s3, aisn: NodeProcess) -> None:
    s3.create_bucket(Bucket="twin")
    assert raw(aisn, "HEAD", "/v1/buckets/twin?provider=aws")[0] == 200
    st, body, _ = raw(aisn, "POST", "/v1/buckets/twin", json.dumps(
        {"action": "create-bck", "name": "", "value": None}).encode())
    assert st == 200, body
    st, body, h = raw(aisn, "GET", "/s3")
    text = body.decode()
    assert st == 200 and "<ListAllMyBucketsResult" in text
    assert "s3://twin (BucketRegion: s3)" in text
    assert 'warning: bucket name "twin" is shared by ais://twin, s3://twin' in text
    assert "twin" in h["x-ais-warning"]
    front = boto3.client("s3", endpoint_url=aisn.url + "/s3", aws_access_key_id="testing",
                         aws_secret_access_key="testing", region_name="us-east-1")
    names = [b["Name"] for b in front.list_buckets()["Buckets"]]
    assert names.count("twin") == 2
    raw(aisn, "DELETE", "/v1/buckets/twin", json.dumps(
        {"action": "destroy-bck", "name": "", "value": None}).encode())
