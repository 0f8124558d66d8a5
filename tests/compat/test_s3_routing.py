"""Where and how S3 requests are routed (auth off): virtual-hosted style under `s3_domain`, S3 at
`/` next to the native API (`s3_at_root`), and the router's refusals: unknown or unimplemented
subresources (501) and methods that do not apply (405), all as S3 XML."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from aisnode.api.s3 import sigv4
from tests.support.http import req
from tests.support.server import NodeProcess

DOMAIN = "s3.test"


@pytest.fixture(scope="module")
def rnode(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    d = tmp_path_factory.mktemp("s3routing")
    cfg = d / "config.json"
    cfg.write_text(json.dumps({"cluster": {"s3_domain": DOMAIN, "s3_at_root": True}}))
    n = NodeProcess(d / "data", extra_args=["--config", str(cfg)]).start()
    yield n
    n.stop()


def client(endpoint: str, style: str = "path", **config: Any) -> Any:
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="any",
        aws_secret_access_key="thing",
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1}, **config))


@pytest.fixture(scope="module")
def bucket(rnode: NodeProcess) -> str:
    name = "route-" + secrets.token_hex(4)
    client(rnode.url + "/s3").create_bucket(Bucket=name)
    return name




def s3_error(status: int, headers: dict[str, str], body: bytes) -> str:
    """The Code of an S3 XML error response."""
    assert headers.get("content-type", "").startswith("application/xml"), (status, body)
    start = body.index(b"<Code>") + 6
    return body[start:body.index(b"</Code>")].decode()


@pytest.fixture
def test_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """`*.test` resolves to loopback inside the test (no /etc/hosts edits)."""
    gai = socket.getaddrinfo

    def patched(host: Any, *args: Any, **kwargs: Any) -> Any:
        return gai("127.0.0.1" if str(host).endswith(".test") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", patched)


# --- virtual-hosted style ---------------------------------------------------------------------
@pytest.mark.usefixtures("test_hosts")
def test_virtual_hosted_boto3(rnode: NodeProcess) -> None:
    s3 = client(f"http://{DOMAIN}:{rnode.port}", "virtual")
    urls: list[str] = []
    s3.meta.events.register("before-send.s3", lambda request, **_: urls.append(request.url))
    name = "vhost-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a/b c.txt", Body=b"virtual")
    s3.put_object(Bucket=name, Key="v1/objects/x", Body=b"not native")  # whole path is the key
    s3.put_object(Bucket=name, Key="s3/y", Body=b"not prefixed")
    assert s3.get_object(Bucket=name, Key="a/b c.txt")["Body"].read() == b"virtual"
    assert s3.get_object(Bucket=name, Key="v1/objects/x")["Body"].read() == b"not native"
    assert s3.get_object(Bucket=name, Key="s3/y")["Body"].read() == b"not prefixed"
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]
    assert listed == ["a/b c.txt", "s3/y", "v1/objects/x"]
    assert {urllib.parse.urlsplit(u).hostname for u in urls} == {f"{name}.{DOMAIN}"}
    # `Host: s3.test` is the service endpoint: ListBuckets at `/`
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert urllib.parse.urlsplit(urls[-1]).hostname == DOMAIN
    # the same objects path style
    assert client(rnode.url + "/s3").get_object(Bucket=name, Key="s3/y")["Body"].read() == \
        b"not prefixed"
    # errors are S3 XML
    st, h, body = req(rnode, "GET", "/nope", headers={"Host": f"{name}.{DOMAIN}"})
    assert st == 404 and s3_error(st, h, body) == "NoSuchKey"
    st, h, body = req(rnode, "GET", "/?foo", headers={"Host": f"{name}.{DOMAIN}"})
    assert st == 501 and s3_error(st, h, body) == "NotImplemented"
    # presigned (SigV2, boto3's default for a custom endpoint), auth off: parameters ignored
    url = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "a/b c.txt"})
    u = urllib.parse.urlsplit(url)
    st, _, body = req(rnode, "GET", f"{u.path}?{u.query}", headers={"Host": u.netloc})
    assert (st, body) == (200, b"virtual")


# --- S3 at the root ---------------------------------------------------------------------------
def test_s3_at_root_and_native_side_by_side(rnode: NodeProcess, bucket: str) -> None:
    root = client(rnode.url)
    root.put_object(Bucket=bucket, Key="at/root", Body=b"root")
    assert root.get_object(Bucket=bucket, Key="at/root")["Body"].read() == b"root"
    assert [o["Key"] for o in root.list_objects_v2(Bucket=bucket, Prefix="at/")["Contents"]] == \
        ["at/root"]
    assert bucket in [b["Name"] for b in root.list_buckets()["Buckets"]]
    # /s3 on the same node sees the same object; the native API still answers under /v1
    assert client(rnode.url + "/s3").get_object(Bucket=bucket, Key="at/root")["Body"].read() \
        == b"root"
    assert req(rnode, "GET", "/v1/health")[0] == 200
    st, _, body = req(rnode, "GET", f"/v1/objects/{bucket}/at/root")
    assert (st, body) == (200, b"root")
    st, h, body = req(rnode, "GET", "/v1/no-such-api")  # native 404, not S3
    assert st == 404 and "xml" not in h.get("content-type", "")
    st, h, _ = req(rnode, "PUT", "/v1/health")
    assert st == 405
    # errors at the root render as S3 XML
    st, h, body = req(rnode, "GET", f"/{bucket}/missing")
    assert st == 404 and s3_error(st, h, body) == "NoSuchKey"
    st, h, body = req(rnode, "GET", "/no-such-bucket-here?list-type=2")
    assert st == 404 and s3_error(st, h, body) == "NoSuchBucket"
    st, h, body = req(rnode, "GET", f"/{bucket}/%FF")
    assert st == 400 and s3_error(st, h, body) == "InvalidArgument"


@pytest.mark.parametrize("prefix", ["/s3", ""])
def test_key_with_newline(rnode: NodeProcess, bucket: str, prefix: str) -> None:
    s3 = client(rnode.url + prefix)
    key = f"line\nbreak-{prefix.strip('/') or 'root'}"
    s3.put_object(Bucket=bucket, Key=key, Body=b"nl")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"nl"


# --- router refusals --------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["/s3", ""])
def test_unknown_and_unsupported_subresources(rnode: NodeProcess, bucket: str,
                                              prefix: str) -> None:
    for method, path in [("GET", f"/{bucket}?foo"), ("GET", f"/{bucket}/k?bar=1"),
                         ("PUT", f"/{bucket}/k?whatever"), ("PUT", f"/{bucket}?lifecycle"),
                         ("PUT", f"/{bucket}?policy"), ("PUT", f"/{bucket}?cors"),
                         ("PUT", f"/{bucket}?website"), ("PUT", f"/{bucket}/k?acl"),
                         ("PUT", f"/{bucket}?acl"), ("PUT", f"/{bucket}/k?tagging"),
                         ("DELETE", f"/{bucket}?tagging"), ("POST", f"/{bucket}/k?restore")]:
        st, h, body = req(rnode, method, prefix + path, b"<x/>" if method != "GET" else None)
        assert st == 501 and s3_error(st, h, body) == "NotImplemented", (method, path)
    # nothing was written by the refused PUTs
    assert req(rnode, "HEAD", f"{prefix}/{bucket}/k")[0] == 404


@pytest.mark.parametrize("prefix", ["/s3", ""])
def test_method_not_allowed(rnode: NodeProcess, bucket: str, prefix: str) -> None:
    for method, path in [("POST", f"/{bucket}/k"), ("POST", f"/{bucket}/k?versioning"),
                         ("PUT", f"/{bucket}/k?uploads"), ("PUT", f"/{bucket}?uploads"),
                         ("PUT", f"/{bucket}?location"), ("GET", f"/{bucket}?delete"),
                         ("GET", f"/{bucket}/k?versions"), ("DELETE", f"/{bucket}?versioning"),
                         ("PATCH", f"/{bucket}/k"), ("PUT", "/"), ("DELETE", "/")]:
        st, h, body = req(rnode, method, prefix + path, b"data" if method != "GET" else None)
        assert st == 405 and s3_error(st, h, body) == "MethodNotAllowed", (method, path, body)
    assert req(rnode, "HEAD", f"{prefix}/{bucket}/k")[0] == 404


def test_subresources_that_answer(rnode: NodeProcess, bucket: str) -> None:
    s3 = client(rnode.url + "/s3")
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"t")
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []
    with pytest.raises(ClientError) as e:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="tagged",
                              Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert e.value.response["Error"]["Code"] == "NotImplemented"
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "NoSuchBucketPolicy"
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"]
    # presigned-URL and x-amz-* query parameters are arguments, not subresources
    st, _, body = req(rnode, "GET", f"/s3/{bucket}/tagged?x-id=GetObject&x-amz-foo=1"
                      "&X-Amz-Expires=10&response-content-type=text/plain")
    assert (st, body) == (200, b"t")


# --- auth off ---------------------------------------------------------------------------------
@pytest.mark.parametrize("signature_version", ["s3v4", None])
def test_presigned_with_auth_off(rnode: NodeProcess, bucket: str,
                                 signature_version: str | None) -> None:
    s3 = client(rnode.url + "/s3", signature_version=signature_version) \
        if signature_version else client(rnode.url + "/s3")
    key = f"presigned-{signature_version}"
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key})
    get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                    ExpiresIn=1)
    u = urllib.parse.urlsplit(put)
    st, _, _ = req(rnode, "PUT", f"{u.path}?{u.query}", b"ok",
                   {"Content-Type": "application/octet-stream"})
    assert st == 200
    u = urllib.parse.urlsplit(get.replace("Signature=", "Signature=0"))  # not checked
    assert req(rnode, "GET", f"{u.path}?{u.query}")[::2] == (200, b"ok")


def test_signed_chunks_with_auth_off(rnode: NodeProcess, bucket: str) -> None:
    """A signed aws-chunked body from a client with any keys: framing removed, not checked."""
    payload = os.urandom(70_000)
    amz_date = datetime.now(UTC).strftime(sigv4.AMZ_DATE_FORMAT)
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key = sigv4.signing_key("whatever", amz_date[:8], "us-east-1")
    chain = sigv4.ChunkSignatureChain(key, amz_date, scope, "0" * 64)
    body = bytearray()
    for piece in (payload[:65536], payload[65536:], b""):
        sig = chain.expected_chunk_signature(hashlib.sha256(piece).hexdigest())
        chain.verify_chunk(hashlib.sha256(piece).hexdigest(), sig)
        body += f"{len(piece):x};chunk-signature={sig}\r\n".encode() + piece + b"\r\n"
    st, _, resp = req(rnode, "PUT", f"/s3/{bucket}/signed-chunks", bytes(body), {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-date": amz_date,
        "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(payload)),
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AK/{scope}, SignedHeaders=host, "
                         f"Signature={'0' * 64}"})
    assert st == 200, resp
    st, h, got = req(rnode, "GET", f"/s3/{bucket}/signed-chunks")
    assert st == 200 and got == payload
