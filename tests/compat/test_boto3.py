"""Unpatched boto3 against `/s3`: every S3 operation aisnode supports, twice — botocore's default
checksum config (sends `x-amz-checksum-crc32`, validates returned checksums) and
`when_required` — plus hand-built aws-chunked bodies and presigned URLs (SigV2 and SigV4)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import os
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from .conftest import boto3_client, purge_bucket, unique

MiB = 1 << 20
CONFIGS = {
    "default": {},
    "when_required": {"request_checksum_calculation": "when_required",
                      "response_checksum_validation": "when_required"},
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def s3(request: pytest.FixtureRequest, endpoint: str) -> Any:
    return boto3_client(endpoint, **CONFIGS[request.param])


@pytest.fixture
def bucket(s3: Any, admin: Any) -> Iterator[str]:
    name = unique("boto3")
    s3.create_bucket(Bucket=name)
    yield name
    purge_bucket(admin, name)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def err(e: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"]


# ------------------------------------------------------------------------------- buckets

def test_bucket_lifecycle(s3: Any, admin: Any) -> None:
    name = unique("boto3-bck")
    try:
        s3.create_bucket(Bucket=name)
        assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
        with pytest.raises(ClientError) as e:
            s3.create_bucket(Bucket=name)
        assert err(e) == (409, "BucketAlreadyOwnedByYou")
        assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        assert s3.get_bucket_location(Bucket=name).get("LocationConstraint") in (None, "")
        s3.put_object(Bucket=name, Key="x", Body=b"x")
        with pytest.raises(ClientError) as e:
            s3.delete_bucket(Bucket=name)
        assert err(e) == (409, "BucketNotEmpty")
        s3.delete_object(Bucket=name, Key="x")
        s3.delete_bucket(Bucket=name)
        assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        with pytest.raises(ClientError) as e:
            s3.head_bucket(Bucket=name)
        assert err(e)[0] == 404
        with pytest.raises(ClientError) as e:
            s3.delete_bucket(Bucket=name)
        assert err(e) == (404, "NoSuchBucket")
        with pytest.raises(ClientError) as e:
            s3.list_objects_v2(Bucket=name)
        assert err(e) == (404, "NoSuchBucket")
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=name, Key="k", Body=b"v")
        assert err(e) == (404, "NoSuchBucket")
    finally:
        purge_bucket(admin, name)


def test_create_bucket_with_configuration(s3: Any, admin: Any) -> None:
    name = unique("boto3-cfg")
    try:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint":
                                                                 "us-east-1"})
        s3.head_bucket(Bucket=name)
    finally:
        purge_bucket(admin, name)
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket="a..b")
    assert err(e) == (400, "InvalidBucketName")


# ------------------------------------------------------------------------------- objects

def test_put_get_head_delete(s3: Any, bucket: str) -> None:
    data = os.urandom(100_000)
    put = s3.put_object(Bucket=bucket, Key="dir/obj", Body=data)
    assert put["ETag"] == f'"{md5(data)}"'
    got = s3.get_object(Bucket=bucket, Key="dir/obj")
    assert got["Body"].read() == data
    assert got["ETag"] == put["ETag"]
    assert got["ContentLength"] == len(data)
    head = s3.head_object(Bucket=bucket, Key="dir/obj")
    assert head["ContentLength"] == len(data) and head["ETag"] == put["ETag"]
    assert isinstance(head["LastModified"], dt.datetime)
    assert abs((dt.datetime.now(dt.timezone.utc) - head["LastModified"]).total_seconds()) < 120
    # empty object and overwrite
    assert s3.put_object(Bucket=bucket, Key="empty", Body=b"")["ETag"] == f'"{md5(b"")}"'
    assert s3.get_object(Bucket=bucket, Key="empty")["Body"].read() == b""
    s3.put_object(Bucket=bucket, Key="dir/obj", Body=b"second")
    assert s3.get_object(Bucket=bucket, Key="dir/obj")["Body"].read() == b"second"
    assert s3.delete_object(Bucket=bucket, Key="dir/obj")["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir/obj")
    assert err(e) == (404, "NoSuchKey")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="dir/obj")
    assert err(e)[0] == 404
    # deleting a missing key is not an error
    s3.delete_object(Bucket=bucket, Key="dir/obj")


def test_odd_keys(s3: Any, bucket: str) -> None:
    keys = ["a b/c d.txt", "ünï/cødé ✓.bin", "plus+and&amp=?#.txt", "x%2Fy", "t~ilde/(paren)"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    for k in keys:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == sorted(keys)
    listed = [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]]
    assert listed == sorted(keys)


def test_range(s3: Any, bucket: str) -> None:
    data = b"0123456789"
    s3.put_object(Bucket=bucket, Key="r", Body=data)
    for rng, body, cr in [("bytes=0-4", b"01234", "bytes 0-4/10"),
                          ("bytes=-3", b"789", "bytes 7-9/10"),
                          ("bytes=5-", b"56789", "bytes 5-9/10"),
                          ("bytes=8-100", b"89", "bytes 8-9/10")]:
        got = s3.get_object(Bucket=bucket, Key="r", Range=rng)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206, rng
        assert got["Body"].read() == body, rng
        assert got["ContentRange"] == cr
        assert got["ContentLength"] == len(body)
    head = s3.head_object(Bucket=bucket, Key="r", Range="bytes=2-3")
    assert head["ContentLength"] == 2
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-20")
    assert err(e) == (416, "InvalidRange")


def test_conditionals(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"cond")
    etag = put["ETag"]
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    for op in (s3.get_object, s3.head_object):
        assert op(Bucket=bucket, Key="c", IfMatch=etag)["ETag"] == etag
        assert op(Bucket=bucket, Key="c", IfNoneMatch='"other"')["ETag"] == etag
        assert op(Bucket=bucket, Key="c", IfModifiedSince=past)["ETag"] == etag
        assert op(Bucket=bucket, Key="c", IfUnmodifiedSince=future)["ETag"] == etag
        for kw, status in [({"IfMatch": '"nope"'}, 412), ({"IfNoneMatch": etag}, 304),
                           ({"IfNoneMatch": "*"}, 304), ({"IfModifiedSince": future}, 304),
                           ({"IfUnmodifiedSince": past}, 412)]:
            with pytest.raises(ClientError) as e:
                op(Bucket=bucket, Key="c", **kw)
            assert err(e)[0] == status, (op, kw)
            if status == 412 and op is s3.get_object:
                assert err(e)[1] == "PreconditionFailed"
        # If-Match true + If-Unmodified-Since false -> 200 (RFC 7232 order)
        assert op(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=past)["ETag"] == etag
        # If-None-Match false + If-Modified-Since "not modified" -> 200
        assert op(Bucket=bucket, Key="c", IfNoneMatch='"x"', IfModifiedSince=future)[
            "ETag"] == etag


def test_conditional_put(s3: Any, bucket: str) -> None:
    """Conditional writes: If-None-Match: * creates only, If-Match replaces only that ETag."""
    first = s3.put_object(Bucket=bucket, Key="cw", Body=b"1", IfNoneMatch="*")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="cw", Body=b"2", IfNoneMatch="*")
    assert err(e) == (412, "PreconditionFailed")
    second = s3.put_object(Bucket=bucket, Key="cw", Body=b"3", IfMatch=first["ETag"])
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="cw", Body=b"4", IfMatch=first["ETag"])
    assert err(e) == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="cw-missing", Body=b"5", IfMatch=first["ETag"])
    assert err(e) == (404, "NoSuchKey")
    got = s3.get_object(Bucket=bucket, Key="cw")
    assert got["Body"].read() == b"3" and got["ETag"] == second["ETag"]


def test_metadata_round_trip(s3: Any, bucket: str) -> None:
    expires = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    s3.put_object(Bucket=bucket, Key="m", Body=b"meta", Metadata={"color": "blue", "n": "1"},
                  ContentType="text/plain; charset=utf-8", ContentEncoding="identity",
                  ContentDisposition='attachment; filename="m.txt"', CacheControl="max-age=60",
                  ContentLanguage="en", Expires=expires)
    for op in (s3.get_object, s3.head_object):
        r = op(Bucket=bucket, Key="m")
        assert r["Metadata"] == {"color": "blue", "n": "1"}
        assert r["ContentType"] == "text/plain; charset=utf-8"
        assert r["ContentEncoding"] == "identity"
        assert r["ContentDisposition"] == 'attachment; filename="m.txt"'
        assert r["CacheControl"] == "max-age=60"
        assert r["ContentLanguage"] == "en"
        assert r.get("Expires") == expires or r.get("ExpiresString") == formatdate(
            expires.timestamp(), usegmt=True)
    r = s3.get_object(Bucket=bucket, Key="m", ResponseContentType="application/x-over",
                      ResponseContentDisposition="inline")
    assert r["ContentType"] == "application/x-over" and r["ContentDisposition"] == "inline"
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    assert s3.head_object(Bucket=bucket, Key="d")["ContentType"] in ("binary/octet-stream",
                                                                    "application/octet-stream")


def test_content_md5(s3: Any, bucket: str) -> None:
    data = b"digest me"
    good = base64.b64encode(hashlib.md5(data).digest()).decode()
    assert s3.put_object(Bucket=bucket, Key="ok", Body=data, ContentMD5=good)["ETag"] == \
        f'"{md5(data)}"'
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=data, ContentMD5=bad)
    assert err(e) == (400, "BadDigest")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="bad")
    assert err(e)[0] == 404
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=data, ContentMD5="not-base64!")
    assert err(e) == (400, "InvalidDigest")


def test_flexible_checksum_returned(s3: Any, bucket: str) -> None:
    data = b"checksum body " * 100
    put = s3.put_object(Bucket=bucket, Key="ck", Body=data, ChecksumAlgorithm="CRC32")
    assert put.get("ChecksumCRC32") == crc32_b64(data)
    got = s3.get_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc32_b64(data)
    assert got["Body"].read() == data
    assert s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")[
        "ChecksumCRC32"] == crc32_b64(data)
    assert "ChecksumCRC32" not in s3.head_object(Bucket=bucket, Key="ck")
    # a wrong declared checksum is refused and nothing is stored
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="ck2", Body=data, ChecksumCRC32=crc32_b64(b"x"))
    assert err(e)[0] == 400
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="ck2")
    assert err(e)[0] == 404


# ------------------------------------------------------------------------------- listing

def test_list_prefix_delimiter(s3: Any, bucket: str) -> None:
    keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "d/6/7"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"")
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["c"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "d/"]
    assert r["KeyCount"] == 4 and not r["IsTruncated"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="a/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2", "a/b/3"]
    assert "CommonPrefixes" not in r
    # a prefix that is not a directory
    r = s3.list_objects_v2(Bucket=bucket, Prefix="d/6", Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["d/6/"]
    # truncation across prefixes and keys, v2 and v1
    seen: list[str] = []
    tok: dict[str, str] = {}
    while True:
        r = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=1, **tok)
        items = [o["Key"] for o in r.get("Contents", [])] + [
            p["Prefix"] for p in r.get("CommonPrefixes", [])]
        assert len(items) == 1 and r["KeyCount"] == 1
        seen += items
        if not r["IsTruncated"]:
            break
        tok = {"ContinuationToken": r["NextContinuationToken"]}
    assert seen == ["a/", "b/", "c", "d/"]
    seen, marker = [], ""
    while True:
        r = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=2, Marker=marker)
        items = [o["Key"] for o in r.get("Contents", [])] + [
            p["Prefix"] for p in r.get("CommonPrefixes", [])]
        seen += sorted(items)
        if not r["IsTruncated"]:
            break
        marker = r["NextMarker"]
    assert seen == ["a/", "b/", "c", "d/"]
    # other delimiters
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="b")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b", "b"]


def test_list_args(s3: Any, bucket: str) -> None:
    for k in ["k1", "k2", "k3", "k4"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"abc")
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="k2")
    assert [o["Key"] for o in r["Contents"]] == ["k3", "k4"]
    assert r["StartAfter"] == "k2"
    r = s3.list_objects_v2(Bucket=bucket, MaxKeys=2)
    assert r["IsTruncated"] and r["KeyCount"] == 2 and r["MaxKeys"] == 2
    r2 = s3.list_objects_v2(Bucket=bucket, MaxKeys=2,
                            ContinuationToken=r["NextContinuationToken"])
    assert [o["Key"] for o in r2["Contents"]] == ["k3", "k4"] and not r2["IsTruncated"]
    assert r2["ContinuationToken"] == r["NextContinuationToken"]
    assert "Owner" not in r["Contents"][0]
    r = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)
    assert "ID" in r["Contents"][0]["Owner"]
    o = r["Contents"][0]
    assert o["Size"] == 3 and o["ETag"] == f'"{md5(b"abc")}"' and o["StorageClass"]
    r = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert r["KeyCount"] == 0 and "Contents" not in r
    r = s3.list_objects(Bucket=bucket, Marker="k1", MaxKeys=2)
    assert [o["Key"] for o in r["Contents"]] == ["k2", "k3"] and r["IsTruncated"]
    assert r["Marker"] == "k1"
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="!!!garbage")
    assert err(e) == (400, "InvalidArgument")


def test_list_encoding_url(s3: Any, bucket: str) -> None:
    keys = ["dir one/a b", "dir one/ünï", "plus+sign", "tab\tkey", "zz/æ/x"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"")
    # botocore adds encoding-type=url by itself and decodes the answer
    r = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in r["Contents"]] == sorted(keys)
    r = s3.list_objects(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir one/", "zz/"]
    # asked for explicitly, botocore leaves the encoded keys alone
    r = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="dir one/",
                           Delimiter="/")
    assert r["EncodingType"] == "url"
    assert [urllib.parse.unquote_plus(o["Key"]) for o in r["Contents"]] == [
        "dir one/a b", "dir one/ünï"]
    assert all(" " not in o["Key"] and o["Key"].isascii() for o in r["Contents"])
    assert urllib.parse.unquote_plus(r["Prefix"]) == "dir one/"
    r = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter="/")
    assert [urllib.parse.unquote_plus(p["Prefix"]) for p in r["CommonPrefixes"]] == [
        "dir one/", "zz/"]
    r = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="plus")
    assert urllib.parse.unquote_plus(r["Contents"][0]["Key"]) == "plus+sign"


def test_list_many_pages(endpoint: str, admin: Any) -> None:
    """2500 keys: paginators over v1 and v2 see every key once, in order, in 3 pages."""
    s3 = boto3_client(endpoint)
    name = unique("boto3-many")
    s3.create_bucket(Bucket=name)
    try:
        keys = sorted(f"p{i % 7}/k{i:05d}" for i in range(2500))
        _raw_puts(endpoint, name, keys)  # boto3 would spend ~10 s of CPU on 2500 PUTs
        pages = list(s3.get_paginator("list_objects_v2").paginate(
            Bucket=name, PaginationConfig={"PageSize": 1000}))
        assert [len(p["Contents"]) for p in pages] == [1000, 1000, 500]
        assert [p["IsTruncated"] for p in pages] == [True, True, False]
        assert [o["Key"] for p in pages for o in p["Contents"]] == keys
        # v1 (next page starts after the last key); more than 1000 asked for: capped at 1000
        pages = list(s3.get_paginator("list_objects").paginate(
            Bucket=name, PaginationConfig={"PageSize": 5000}))
        assert [len(p["Contents"]) for p in pages] == [1000, 1000, 500]
        assert [o["Key"] for p in pages for o in p["Contents"]] == keys
        pages = list(s3.get_paginator("list_objects_v2").paginate(
            Bucket=name, Prefix="p3/", PaginationConfig={"PageSize": 100}))
        assert [o["Key"] for p in pages for o in p["Contents"]] == [
            k for k in keys if k.startswith("p3/")]
        pages = list(s3.get_paginator("list_object_versions").paginate(
            Bucket=name, PaginationConfig={"PageSize": 1000}))
        assert [v["Key"] for p in pages for v in p["Versions"]] == keys
    finally:
        purge_bucket(admin, name)


# ------------------------------------------------------------------------------- versions

def test_versioning_and_versions(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    vids = {}
    for k in ["v1", "v2", "v3", "v4", "v5"]:
        put = s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
        assert put.get("VersionId") not in (None, "", "null")
        vids[k] = put["VersionId"]
        assert s3.head_object(Bucket=bucket, Key=k)["VersionId"] == vids[k]
    assert s3.get_object(Bucket=bucket, Key="v1", VersionId=vids["v1"])["Body"].read() == b"v1"
    pages = list(s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    versions = [v for p in pages for v in p.get("Versions", [])]
    assert [(v["Key"], v["VersionId"]) for v in versions] == sorted(vids.items())
    assert all(v["IsLatest"] for v in versions)
    # delete one version by id (DeleteObject) and one by DeleteObjects
    r = s3.delete_object(Bucket=bucket, Key="v1", VersionId=vids["v1"])
    assert r.get("VersionId") == vids["v1"]
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="v1")
    assert err(e)[0] == 404
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "v2", "VersionId": vids["v2"]}]})
    assert r["Deleted"] == [{"Key": "v2", "VersionId": vids["v2"]}]
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="v2")
    assert err(e)[0] == 404
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="v3", VersionId="no-such-version")
    assert err(e)[0] == 404
    # suspended: new writes carry VersionId "null"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    put = s3.put_object(Bucket=bucket, Key="v6", Body=b"v6")
    assert put.get("VersionId") in (None, "null")
    versions = [v for p in s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 2}) for v in p.get("Versions", [])]
    assert [v["Key"] for v in versions] == ["v3", "v4", "v5", "v6"]
    assert all(v["VersionId"] for v in versions)
    assert {v["Key"]: v["VersionId"] for v in versions}["v6"] == "null"
    assert s3.get_object(Bucket=bucket, Key="v6", VersionId="null")["Body"].read() == b"v6"
    s3.delete_object(Bucket=bucket, Key="v6", VersionId="null")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="v6")
    assert err(e)[0] == 404


def test_delete_objects(s3: Any, bucket: str) -> None:
    for k in ["d1", "d2", "d 3/ü"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "d1"}, {"Key": "d 3/ü"}, {"Key": "missing"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["d 3/ü", "d1", "missing"]
    assert not r.get("Errors")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["d2"]
    # per-key errors; quiet mode reports only those
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d2"}, {"Key": "../bad"}],
                                                 "Quiet": True})
    assert not r.get("Deleted")
    assert [(x["Key"], x["Code"]) for x in r["Errors"]] == [("../bad", "InvalidArgument")]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# ------------------------------------------------------------------------------- copy

def test_copy_object(s3: Any, bucket: str, admin: Any) -> None:
    other = unique("boto3-copy")
    s3.create_bucket(Bucket=other)
    try:
        src = "söurce dir/ob+j ✓.txt"
        data = b"copy me" * 1000
        put = s3.put_object(Bucket=bucket, Key=src, Body=data, Metadata={"a": "1"},
                            ContentType="text/x-src")
        # COPY (default) within the bucket
        r = s3.copy_object(Bucket=bucket, Key="c1", CopySource={"Bucket": bucket, "Key": src})
        assert r["CopyObjectResult"]["ETag"] == put["ETag"]
        h = s3.head_object(Bucket=bucket, Key="c1")
        assert h["Metadata"] == {"a": "1"} and h["ContentType"] == "text/x-src"
        assert s3.get_object(Bucket=bucket, Key="c1")["Body"].read() == data
        # REPLACE across buckets, source as a string
        s3.copy_object(Bucket=other, Key="c2", CopySource=f"{bucket}/{src}",
                       MetadataDirective="REPLACE", Metadata={"b": "2"}, ContentType="text/x-dst")
        h = s3.head_object(Bucket=other, Key="c2")
        assert h["Metadata"] == {"b": "2"} and h["ContentType"] == "text/x-dst"
        assert h["ETag"] == put["ETag"]
        assert s3.get_object(Bucket=other, Key="c2")["Body"].read() == data
        # copy-source conditionals
        s3.copy_object(Bucket=other, Key="c3", CopySource={"Bucket": bucket, "Key": src},
                       CopySourceIfMatch=put["ETag"])
        for kw in [{"CopySourceIfMatch": '"nope"'}, {"CopySourceIfNoneMatch": put["ETag"]},
                   {"CopySourceIfUnmodifiedSince": dt.datetime(2000, 1, 1)},
                   {"CopySourceIfModifiedSince": dt.datetime.now() + dt.timedelta(days=1)}]:
            with pytest.raises(ClientError) as e:
                s3.copy_object(Bucket=other, Key="c4", CopySource={"Bucket": bucket, "Key": src},
                               **kw)
            assert err(e) == (412, "PreconditionFailed"), kw
        with pytest.raises(ClientError) as e:
            s3.head_object(Bucket=other, Key="c4")
        assert err(e)[0] == 404
        # onto itself: only with REPLACE
        with pytest.raises(ClientError) as e:
            s3.copy_object(Bucket=bucket, Key=src, CopySource={"Bucket": bucket, "Key": src})
        assert err(e)[0] == 400
        s3.copy_object(Bucket=bucket, Key=src, CopySource={"Bucket": bucket, "Key": src},
                       MetadataDirective="REPLACE", Metadata={"c": "3"})
        assert s3.head_object(Bucket=bucket, Key=src)["Metadata"] == {"c": "3"}
        with pytest.raises(ClientError) as e:
            s3.copy_object(Bucket=bucket, Key="c5", CopySource={"Bucket": bucket, "Key": "nah"})
        assert err(e) == (404, "NoSuchKey")
        with pytest.raises(ClientError) as e:
            s3.copy_object(Bucket=bucket, Key="c5", CopySource={"Bucket": "no-such-bkt-x",
                                                                "Key": "k"})
        assert err(e) == (404, "NoSuchBucket")
    finally:
        purge_bucket(admin, other)


# ------------------------------------------------------------------------------- multipart

def test_multipart(s3: Any, bucket: str) -> None:
    key = "mp/ob j"
    p1, p2 = os.urandom(5 * MiB), os.urandom(1234)
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="text/x-mp",
                                    Metadata={"m": "p"})
    uid = up["UploadId"]
    assert up["Key"] == key and up["Bucket"] == bucket
    e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=p1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=2, Body=p2)["ETag"]
    assert e1 == f'"{md5(p1)}"' and e2 == f'"{md5(p2)}"'
    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [
        (1, e1, len(p1)), (2, e2, len(p2))]
    ups = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in ups] == [(key, uid)]
    # wrong ETag, wrong order
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": '"00"'}]})
    assert err(e) == (400, "InvalidPart")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
    assert err(e) == (400, "InvalidPartOrder")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 3, "ETag": e2}]})
    assert err(e) == (400, "InvalidPart")
    done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    want = hashlib.md5(bytes.fromhex(md5(p1)) + bytes.fromhex(md5(p2))).hexdigest() + "-2"
    assert done["ETag"] == f'"{want}"' and done["Key"] == key
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["ETag"] == f'"{want}"' and got["ContentType"] == "text/x-mp"
    assert got["Metadata"] == {"m": "p"}
    assert got["Body"].read() == p1 + p2
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)
    assert err(e) == (404, "NoSuchUpload")


def test_multipart_too_small_and_abort(s3: Any, bucket: str) -> None:
    key = "small"
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n,
                            Body=b"x" * 1000)["ETag"] for n in (1, 2)]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": t} for n, t in zip((1, 2), etags)]})
    assert err(e) == (400, "EntityTooSmall")
    for kw in ({"ContentMD5": base64.b64encode(hashlib.md5(b"zz").digest()).decode()},
               {"ChecksumCRC32": crc32_b64(b"zz")}):
        with pytest.raises(ClientError) as e:
            s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=3, Body=b"x", **kw)
        assert err(e) == (400, "BadDigest")
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)[
        "Parts"]] == [1, 2]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key=key, UploadId=uid, PartNumber=3,
                            CopySource={"Bucket": bucket, "Key": "whatever"})
    assert err(e) == (404, "NoSuchKey")
    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
    for op in (lambda: s3.list_parts(Bucket=bucket, Key=key, UploadId=uid),
               lambda: s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1,
                                      Body=b"y"),
               lambda: s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid),
               lambda: s3.complete_multipart_upload(
                   Bucket=bucket, Key=key, UploadId=uid,
                   MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etags[0]}]})):
        with pytest.raises(ClientError) as e:
            op()
        assert err(e) == (404, "NoSuchUpload")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert err(e)[0] == 404
    # a single small part is fine (the last part may be small)
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    t = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"z")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": t}]})
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"z"


def test_upload_download_file(s3: Any, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(17 * MiB)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(data)
    tc = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                        max_concurrency=4)
    s3.upload_file(str(src), bucket, "big/file.bin", Config=tc,
                   ExtraArgs={"Metadata": {"k": "v"}})
    head = s3.head_object(Bucket=bucket, Key="big/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-4"') and head["Metadata"] == {"k": "v"}
    s3.download_file(bucket, "big/file.bin", str(dst), Config=tc)
    assert hashlib.md5(dst.read_bytes()).digest() == hashlib.md5(data).digest()
    assert s3.get_object(Bucket=bucket, Key="big/file.bin", Range="bytes=5242878-5242881")[
        "Body"].read() == data[5242878:5242882]


# ------------------------------------------------------------------------------- unsupported

def test_unsupported_subresources(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=b"o")
    calls = [
        lambda: s3.put_bucket_policy(Bucket=bucket, Policy='{"Version": "2012-10-17"}'),
        lambda: s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
            {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}),
        lambda: s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [
                {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""},
                 "Expiration": {"Days": 1}}]}),
        lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
            {"Key": "a", "Value": "b"}]}),
        lambda: s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}}),
        lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
        lambda: s3.put_object_tagging(Bucket=bucket, Key="o", Tagging={"TagSet": [
            {"Key": "a", "Value": "b"}]}),
        lambda: s3.put_object_acl(Bucket=bucket, Key="o", ACL="public-read"),
        lambda: s3.delete_bucket_policy(Bucket=bucket),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == (501, "NotImplemented")
    for call, code in [(s3.get_bucket_policy, "NoSuchBucketPolicy"),
                       (s3.get_bucket_cors, "NoSuchCORSConfiguration"),
                       (s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration"),
                       (s3.get_bucket_tagging, "NoSuchTagSet")]:
        with pytest.raises(ClientError) as e:
            call(Bucket=bucket)
        assert err(e) == (404, code)
    assert s3.get_object_tagging(Bucket=bucket, Key="o")["TagSet"] == []
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"
    assert s3.get_object_acl(Bucket=bucket, Key="o")["Grants"]
    # nothing was changed by the refused requests
    assert s3.get_object(Bucket=bucket, Key="o")["Body"].read() == b"o"


# ------------------------------------------------------------------------------- raw http

def _raw(endpoint: str, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    u = urllib.parse.urlsplit(endpoint)
    c = http.client.HTTPConnection(u.hostname or "", u.port, timeout=30)
    try:
        c.request(method, u.path + path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def _raw_puts(endpoint: str, bucket: str, keys: list[str]) -> None:
    """Empty objects, PUT over a few keep-alive connections."""
    u = urllib.parse.urlsplit(endpoint)
    local = threading.local()

    def put(key: str) -> None:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(u.hostname or "", u.port, timeout=30)
        local.conn.request("PUT", f"{u.path}/{bucket}/{urllib.parse.quote(key)}", body=b"",
                           headers={"Content-Type": "application/octet-stream"})
        r = local.conn.getresponse()
        r.read()
        assert r.status == 200, (key, r.status)

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(put, keys))


def _aws_chunked(data: bytes, trailer: str, chunk: int = 64 * 1024) -> bytes:
    out = b""
    for i in range(0, len(data), chunk):
        piece = data[i:i + chunk]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n" + f"x-amz-checksum-crc32:{trailer}\r\n\r\n".encode()


def test_aws_chunked_trailer(endpoint: str, bucket: str, s3: Any) -> None:
    data = os.urandom(200_000)
    hdrs = {"Content-Encoding": "aws-chunked", "Content-Type": "application/octet-stream",
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "x-amz-trailer": "x-amz-checksum-crc32",
            "x-amz-decoded-content-length": str(len(data))}
    status, h, body = _raw(endpoint, "PUT", f"/{bucket}/chunked",
                           _aws_chunked(data, crc32_b64(data)), hdrs)
    assert status == 200, body
    assert h["etag"] == f'"{md5(data)}"'
    got = s3.get_object(Bucket=bucket, Key="chunked", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ContentLength"] == len(data)
    assert got["ChecksumCRC32"] == crc32_b64(data)
    assert "ContentEncoding" not in got
    status, h, _ = _raw(endpoint, "HEAD", f"/{bucket}/chunked",
                        headers={"x-amz-checksum-mode": "ENABLED"})
    assert status == 200 and h["x-amz-checksum-crc32"] == crc32_b64(data)
    # tampered trailer: 400 BadDigest, nothing stored (not even over the existing object)
    status, _, body = _raw(endpoint, "PUT", f"/{bucket}/chunked",
                           _aws_chunked(b"Z" + data[1:], crc32_b64(data)), hdrs)
    assert status == 400 and b"<Code>BadDigest</Code>" in body, body
    assert s3.get_object(Bucket=bucket, Key="chunked")["Body"].read() == data
    status, _, body = _raw(endpoint, "PUT", f"/{bucket}/chunked2",
                           _aws_chunked(data, crc32_b64(b"other")), hdrs)
    assert status == 400 and b"<Code>BadDigest</Code>" in body, body
    assert _raw(endpoint, "HEAD", f"/{bucket}/chunked2")[0] == 404
    # chunked upload part too
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mpc")["UploadId"]
    status, h, body = _raw(endpoint, "PUT", f"/{bucket}/mpc?partNumber=1&uploadId={uid}",
                           _aws_chunked(data, crc32_b64(data)), hdrs)
    assert status == 200 and h["etag"] == f'"{md5(data)}"', body
    s3.complete_multipart_upload(Bucket=bucket, Key="mpc", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": h["etag"]}]})
    assert s3.get_object(Bucket=bucket, Key="mpc")["Body"].read() == data


def test_expect_100_continue(endpoint: str, bucket: str, s3: Any) -> None:
    u = urllib.parse.urlsplit(endpoint)
    for path, want in [(f"/{bucket}/expect", b"200"), ("/no-such-bucket-x/expect", b"404")]:
        with socket.create_connection((u.hostname, u.port), timeout=10) as sock:
            sock.sendall(f"PUT {u.path}{path} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                         "Content-Type: application/octet-stream\r\nContent-Length: 5\r\n"
                         "Expect: 100-continue\r\n\r\n".encode())
            buf = b""
            while b"\r\n\r\n" not in buf:
                buf += sock.recv(4096)
            assert buf.startswith(b"HTTP/1.1 100 "), buf
            sock.sendall(b"hello")
            final = buf.split(b"\r\n\r\n", 1)[1] or sock.recv(4096)
            assert final.split(b" ", 2)[1] == want, final
    assert s3.get_object(Bucket=bucket, Key="expect")["Body"].read() == b"hello"


def test_unknown_subresource_never_acts(endpoint: str, bucket: str, s3: Any) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"keep")
    status, _, body = _raw(endpoint, "PUT", f"/{bucket}/k?frobnicate", b"new",
                           {"Content-Type": "application/octet-stream"})
    assert status == 501 and b"NotImplemented" in body
    status, _, body = _raw(endpoint, "GET", f"/{bucket}/k?frobnicate")
    assert status == 501
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"keep"
    status, _, body = _raw(endpoint, "GET", "")
    assert status == 200 and b"ListAllMyBucketsResult" in body and bucket.encode() in body


# ------------------------------------------------------------------------------- presigned

@pytest.mark.parametrize("sigver", ["default", "s3v4"])
def test_presigned(endpoint: str, bucket: str, sigver: str) -> None:
    cfg = {} if sigver == "default" else {"signature_version": "s3v4"}
    c = boto3_client(endpoint, **cfg)
    key = "pre signed/ü.txt"
    data = b"presigned body"

    def url(method: str) -> str:
        u: str = c.generate_presigned_url(method, Params={"Bucket": bucket, "Key": key},
                                          ExpiresIn=300)
        if sigver == "default":
            assert "Signature=" in u and "AWSAccessKeyId=" in u
        else:
            assert "X-Amz-Signature=" in u
        return u

    def fetch(u: str, method: str, body: bytes | None = None) -> tuple[int, bytes, Any]:
        req = urllib.request.Request(u, data=body, method=method, headers={
            "Content-Type": "application/octet-stream"} if body is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    status, _, h = fetch(url("put_object"), "PUT", data)
    assert status == 200 and h["ETag"] == f'"{md5(data)}"'
    status, body, _ = fetch(url("get_object"), "GET")
    assert (status, body) == (200, data)
    status, _, h = fetch(url("head_object"), "HEAD")
    assert status == 200 and int(h["Content-Length"]) == len(data)
    status, _, _ = fetch(url("delete_object"), "DELETE")
    assert status == 204
    status, _, _ = fetch(url("get_object"), "GET")
    assert status == 404


def test_upload_part_copy_and_managed_copy(s3, bucket) -> None:
    """UploadPartCopy (whole source and `x-amz-copy-source-range`) and boto3's managed copy,
    which uses it above its multipart threshold (as `aws s3 cp s3://... s3://...` does)."""
    from boto3.s3.transfer import TransferConfig

    src = os.urandom(11 << 20)
    s3.put_object(Bucket=bucket, Key="copy-src", Body=src)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="assembled")["UploadId"]
    p1 = s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId=uid, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "copy-src"},
                             CopySourceRange="bytes=0-5242879")["CopyPartResult"]["ETag"]
    p2 = s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId=uid, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "copy-src"},
                             CopySourceRange=f"bytes=5242880-{len(src) - 1}")[
        "CopyPartResult"]["ETag"]
    assert p1.strip('"') == hashlib.md5(src[:5 << 20]).hexdigest()
    s3.complete_multipart_upload(Bucket=bucket, Key="assembled", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]})
    assert s3.get_object(Bucket=bucket, Key="assembled")["Body"].read() == src
    with pytest.raises(ClientError) as e:
        uid2 = s3.create_multipart_upload(Bucket=bucket, Key="bad")["UploadId"]
        s3.upload_part_copy(Bucket=bucket, Key="bad", UploadId=uid2, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "copy-src"},
                            CopySourceRange=f"bytes=0-{len(src)}")
    assert err(e)[0] == 400
    s3.copy({"Bucket": bucket, "Key": "copy-src"}, bucket, "managed-copy",
            Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
    assert s3.get_object(Bucket=bucket, Key="managed-copy")["Body"].read() == src
