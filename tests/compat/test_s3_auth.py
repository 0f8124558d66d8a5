"""S3 authentication on a live node with an access key configured: SigV4 (header, presigned,
signed aws-chunked bodies) and SigV2 (header, presigned), through boto3, s3cmd and raw HTTP,
under `/s3`, at `/` and virtual-hosted."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from aisnode.api.s3 import sigv4
from tests.support.server import NodeProcess

AK, SK = "AKTEST", "secret/with+chars"
DOMAIN = "s3.test"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def auth_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A node with S3 auth on, also serving S3 at `/` and virtual-hosted under `s3.test`."""
    d = tmp_path_factory.mktemp("s3auth")
    cfg = d / "config.json"
    cfg.write_text(json.dumps({"cluster": {"s3_auth": {AK: SK}, "s3_domain": DOMAIN,
                                           "s3_at_root": True}}))
    n = NodeProcess(d / "data", extra_args=["--config", str(cfg)]).start()
    yield n
    n.stop()
    assert SK not in n.log_path.read_text()  # secrets never logged


def client(auth_node: NodeProcess, prefix: str = "/s3", access_key: str = AK, secret: str = SK,
           **config: Any) -> Any:
    s3 = {"addressing_style": "path"}
    s3.update(config.pop("s3", {}))
    return boto3.client(
        "s3", endpoint_url=auth_node.url + prefix, region_name=REGION, aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=Config(s3=s3, retries={"max_attempts": 1}, **config),
    )


@pytest.fixture(scope="module")
def bucket(auth_node: NodeProcess) -> str:
    name = "auth-" + secrets.token_hex(4)
    s3 = client(auth_node)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="hello.txt", Body=b"hello")
    return name


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def fetch(url: str, method: str = "GET", data: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# --- boto3 ------------------------------------------------------------------------------------
def test_signed_put_get_list_and_multipart(auth_node: NodeProcess, bucket: str,
                                           tmp_path: Path) -> None:
    s3 = client(auth_node)
    s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"x" * 1000)
    assert s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")["Body"].read() == b"x" * 1000
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="dir/")["Contents"]]
    assert keys == ["dir/a b+c.txt"]
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 << 20))
    s3.upload_file(str(big), bucket, "big.bin")  # 2 parts, default checksum config (CRC32)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == 12 << 20 and head["ETag"].endswith('-2"')
    out = tmp_path / "out.bin"
    s3.download_file(bucket, "big.bin", str(out))
    assert out.read_bytes() == big.read_bytes()


def test_wrong_secret_unknown_key_anonymous(auth_node: NodeProcess, bucket: str) -> None:
    with pytest.raises(ClientError) as e:
        client(auth_node, secret="not-the-secret").get_object(Bucket=bucket, Key="hello.txt")
    assert code_of(e) == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as e:
        client(auth_node, access_key="AKNOPE").list_objects_v2(Bucket=bucket)
    assert code_of(e) == "InvalidAccessKeyId"
    with pytest.raises(ClientError) as e:
        client(auth_node, signature_version=UNSIGNED).get_object(Bucket=bucket, Key="hello.txt")
    assert code_of(e) == "AccessDenied"
    with pytest.raises(ClientError) as e:  # a wrong secret never writes
        client(auth_node, secret="nope").put_object(Bucket=bucket, Key="evil", Body=b"x")
    assert code_of(e) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError):
        client(auth_node).head_object(Bucket=bucket, Key="evil")


def test_sigv2_header_auth(auth_node: NodeProcess, bucket: str) -> None:
    s3 = client(auth_node, signature_version="s3")  # HMAC-SHA1 `Authorization: AWS AK:sig`
    s3.put_object(Bucket=bucket, Key="v2/obj", Body=b"v2")
    assert s3.get_object(Bucket=bucket, Key="v2/obj")["Body"].read() == b"v2"
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket, Prefix="v2/")["Contents"]] == \
        ["v2/obj"]
    with pytest.raises(ClientError) as e:
        client(auth_node, secret="wrong", signature_version="s3").get_object(Bucket=bucket,
                                                                        Key="v2/obj")
    assert code_of(e) == "SignatureDoesNotMatch"


# --- presigned URLs ---------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["s3v4", "v2"])
def test_presigned_get_put(auth_node: NodeProcess, bucket: str, version: str) -> None:
    s3 = client(auth_node, signature_version="s3v4") if version == "s3v4" else client(auth_node)
    key = f"presigned/{version}/a key+1"
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key})
    get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    # boto3 presigns SigV2 for a custom endpoint unless s3v4 is pinned
    assert ("X-Amz-Signature=" in get) == (version == "s3v4")
    assert ("AWSAccessKeyId=" in get) == (version == "v2")
    st, _ = fetch(put, "PUT", b"presigned body", {"Content-Type": "application/octet-stream"})
    assert st == 200
    assert fetch(get) == (200, b"presigned body")
    # tampered: another key with the same signature, or a changed signature
    other = get.replace("/a%20key%2B1?", "/hello.txt?")
    assert other != get and fetch(other)[0] == 403
    sig = "X-Amz-Signature=" if version == "s3v4" else "Signature="
    i = get.index(sig) + len(sig)
    bad = get[:i] + ("0" if get[i] != "0" else "1") + get[i + 1:]
    st, body = fetch(bad)
    assert st == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    head = s3.generate_presigned_url("head_object", Params={"Bucket": bucket, "Key": key})
    assert fetch(head, "HEAD")[0] == 200
    delete = s3.generate_presigned_url("delete_object", Params={"Bucket": bucket, "Key": key})
    assert fetch(delete, "DELETE")[0] == 204
    assert fetch(get)[0] == 404


def test_presigned_expired(auth_node: NodeProcess, bucket: str) -> None:
    urls = [c.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "hello.txt"},
                                     ExpiresIn=1)
            for c in (client(auth_node, signature_version="s3v4"), client(auth_node))]
    time.sleep(2.1)
    for url in urls:
        st, body = fetch(url)
        assert st == 403 and b"<Code>AccessDenied</Code>" in body, body


# --- raw SigV4 requests: payload hash, signed aws-chunked bodies --------------------------------
def raw_signed_put(port: int, path: str, headers: dict[str, str], body: bytes,
                   payload_hash: str, amz_date: str) -> tuple[int, bytes]:
    """A header-signed SigV4 PUT over http.client; `headers` (lower-case) are all signed."""
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    headers = {"host": f"127.0.0.1:{port}", "x-amz-date": amz_date,
               "x-amz-content-sha256": payload_hash, "content-length": str(len(body)),
               **headers}
    signed = sorted(headers)
    canonical = sigv4.canonical_request("PUT", path, "", {k: [v] for k, v in headers.items()},
                                        signed, payload_hash)
    key = sigv4.signing_key(SK, amz_date[:8], REGION)
    signature = sigv4.sign(key, sigv4.string_to_sign(amz_date, scope, canonical))
    headers["authorization"] = (f"{sigv4.ALGORITHM} Credential={AK}/{scope}, "
                                f"SignedHeaders={';'.join(signed)}, Signature={signature}")
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("PUT", path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def signed_chunked_put(port: int, path: str, payload: bytes, chunk: int = 64 << 10,
                       corrupt: int | None = None) -> tuple[int, bytes]:
    """PUT with `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`; chunk `corrupt` gets a wrong signature."""
    amz_date = datetime.now(UTC).strftime(sigv4.AMZ_DATE_FORMAT)
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    pieces = [payload[i:i + chunk] for i in range(0, len(payload), chunk)] + [b""]
    framed_len = sum(len(f"{len(p):x};chunk-signature=") + 64 + 2 + len(p) + 2 for p in pieces)
    mode = sigv4.PayloadMode.STREAMING_SIGNED.value
    headers = {"content-encoding": "aws-chunked",
               "x-amz-decoded-content-length": str(len(payload))}
    # the seed signature is the request's own: recompute it as raw_signed_put does
    all_headers = {"host": f"127.0.0.1:{port}", "x-amz-date": amz_date,
                   "x-amz-content-sha256": mode, "content-length": str(framed_len), **headers}
    signed = sorted(all_headers)
    canonical = sigv4.canonical_request(
        "PUT", path, "", {k: [v] for k, v in all_headers.items()}, signed, mode)
    key = sigv4.signing_key(SK, amz_date[:8], REGION)
    seed = sigv4.sign(key, sigv4.string_to_sign(amz_date, scope, canonical))
    chain = sigv4.ChunkSignatureChain(key, amz_date, scope, seed)
    body = bytearray()
    for i, piece in enumerate(pieces):
        digest = hashlib.sha256(piece).hexdigest()
        signature = chain.expected_chunk_signature(digest)
        chain.verify_chunk(digest, signature)  # advance the chain
        if i == corrupt:
            signature = "0" * 64
        body += f"{len(piece):x};chunk-signature={signature}\r\n".encode() + piece + b"\r\n"
    assert len(body) == framed_len
    return raw_signed_put(port, path, headers, bytes(body), mode, amz_date)


def test_payload_sha256_is_checked(auth_node: NodeProcess, bucket: str) -> None:
    amz_date = datetime.now(UTC).strftime(sigv4.AMZ_DATE_FORMAT)
    path = f"/s3/{bucket}/sha/obj"
    data = b"payload with a signed hash"
    st, body = raw_signed_put(auth_node.port, path, {}, data, hashlib.sha256(data).hexdigest(),
                              amz_date)
    assert st == 200, body
    st, body = raw_signed_put(auth_node.port, path, {}, b"other bytes",
                              hashlib.sha256(data).hexdigest(), amz_date)
    assert st == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in body, body
    assert client(auth_node).get_object(Bucket=bucket, Key="sha/obj")["Body"].read() == data


def test_signed_aws_chunked_upload(auth_node: NodeProcess, bucket: str) -> None:
    payload = os.urandom(150_000)
    st, body = signed_chunked_put(auth_node.port, f"/s3/{bucket}/chunked/ok", payload)
    assert st == 200, body
    got = client(auth_node).get_object(Bucket=bucket, Key="chunked/ok")
    assert got["ContentLength"] == len(payload) and got["Body"].read() == payload
    assert got["ETag"] == f'"{hashlib.md5(payload).hexdigest()}"'


def test_bad_chunk_signature_leaves_no_object(auth_node: NodeProcess, bucket: str) -> None:
    st, body = signed_chunked_put(auth_node.port, f"/s3/{bucket}/chunked/bad", os.urandom(150_000),
                                  corrupt=1)
    assert st == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, body
    with pytest.raises(ClientError) as e:
        client(auth_node).head_object(Bucket=bucket, Key="chunked/bad")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # a bad signature on the final (empty) chunk too
    st, _ = signed_chunked_put(auth_node.port, f"/s3/{bucket}/chunked/bad", b"abc", corrupt=1)
    assert st == 403


# --- other mount points -----------------------------------------------------------------------
def test_auth_at_root(auth_node: NodeProcess, bucket: str) -> None:
    for s3 in (client(auth_node, ""), client(auth_node, "", signature_version="s3")):
        s3.put_object(Bucket=bucket, Key="root/obj", Body=b"at root")
        assert s3.get_object(Bucket=bucket, Key="root/obj")["Body"].read() == b"at root"
        assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="root/")["Contents"]] \
            == ["root/obj"]
    url = client(auth_node, "").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "root/obj"})
    assert fetch(url) == (200, b"at root")
    with pytest.raises(ClientError) as e:
        client(auth_node, "", secret="x").get_object(Bucket=bucket, Key="root/obj")
    assert code_of(e) == "SignatureDoesNotMatch"
    # a signature for /s3/b/k is not good for /b/k or /s3/s3/b/k
    url = client(auth_node, signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "hello.txt"})
    assert fetch(url)[0] == 200
    assert fetch(url.replace("/s3/", "/", 1))[0] == 403
    assert fetch(url.replace("/s3/", "/s3/s3/", 1))[0] == 403


@pytest.fixture
def test_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """`*.test` resolves to loopback inside the test."""
    gai = socket.getaddrinfo

    def patched(host: Any, *args: Any, **kwargs: Any) -> Any:
        return gai("127.0.0.1" if str(host).endswith(".test") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", patched)


@pytest.mark.usefixtures("test_hosts")
@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_auth_virtual_hosted(auth_node: NodeProcess, bucket: str, signature_version: str) -> None:
    s3 = boto3.client(
        "s3", endpoint_url=f"http://{DOMAIN}:{auth_node.port}", region_name=REGION,
        aws_access_key_id=AK, aws_secret_access_key=SK,
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1},
                      signature_version=signature_version))
    hosts: list[str] = []
    s3.meta.events.register("before-send.s3", lambda request, **_: hosts.append(
        urllib.parse.urlsplit(request.url).hostname or ""))
    key = f"vhost/{signature_version}/x y"
    s3.put_object(Bucket=bucket, Key=key, Body=b"virtual")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"virtual"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]] == [key]
    assert set(hosts) == {f"{bucket}.{DOMAIN}"}
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # `Host: s3.test`, `/`
    assert urllib.parse.urlsplit(s3.meta.endpoint_url).hostname == hosts[-1] == DOMAIN
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    assert urllib.parse.urlsplit(url).hostname == f"{bucket}.{DOMAIN}"
    assert fetch(url) == (200, b"virtual")
    with pytest.raises(ClientError) as e:
        boto3.client("s3", endpoint_url=f"http://{DOMAIN}:{auth_node.port}", region_name=REGION,
                     aws_access_key_id=AK, aws_secret_access_key="bad",
                     config=Config(s3={"addressing_style": "virtual"},
                                   retries={"max_attempts": 1},
                                   signature_version=signature_version),
                     ).get_object(Bucket=bucket, Key=key)
    assert code_of(e) == "SignatureDoesNotMatch"


# --- s3cmd ------------------------------------------------------------------------------------
def _s3cmd() -> str | None:
    local = Path(sys.executable).parent / "s3cmd"
    return str(local) if local.exists() else shutil.which("s3cmd")


@pytest.mark.skipif(_s3cmd() is None, reason="s3cmd not installed")
@pytest.mark.parametrize("v2", [True, False], ids=["sigv2", "sigv4"])
def test_s3cmd(auth_node: NodeProcess, tmp_path: Path, v2: bool) -> None:
    cfg = tmp_path / "s3cfg"
    host = f"127.0.0.1:{auth_node.port}/s3"
    cfg.write_text(
        f"[default]\naccess_key = {AK}\nsecret_key = {SK}\nhost_base = {host}\n"
        f"host_bucket = {host}\nuse_https = False\nbucket_location = us-east-1\n"
        f"signature_v2 = {v2}\n")
    bkt = f"s3cmd-{'v2' if v2 else 'v4'}-{secrets.token_hex(3)}"
    src = tmp_path / "file.bin"
    src.write_bytes(os.urandom(300_000))

    def run(*args: str) -> str:
        p = subprocess.run([_s3cmd() or "s3cmd", "-c", str(cfg), *args], capture_output=True,
                           text=True, timeout=60, cwd=tmp_path)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    run("mb", f"s3://{bkt}")
    run("put", str(src), f"s3://{bkt}/dir/file name.bin")
    assert "dir/file name.bin" in run("ls", "-r", f"s3://{bkt}")
    run("get", f"s3://{bkt}/dir/file name.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    cfg.write_text(cfg.read_text().replace(f"secret_key = {SK}", "secret_key = wrong"))
    p = subprocess.run([_s3cmd() or "s3cmd", "-c", str(cfg), "ls"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0 and "SignatureDoesNotMatch" in p.stdout + p.stderr
