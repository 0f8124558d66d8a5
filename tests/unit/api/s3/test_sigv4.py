"""SigV4 (and the SigV2 dispatch) against signatures made by real botocore and s3cmd."""

from __future__ import annotations

import calendar
import hashlib
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from aisnode import errors
from aisnode.api.s3 import sigv4
from aisnode.api.s3.sigv4 import AuthScheme, PayloadMode, authenticate

KEYS = [
    "plain.txt", "my key", "ünïcödé/日本語", "a+b", "tilde~x", "eq=x", "dir/sub dir/+~=%41",
    "semi;comma,bang!star*quote'paren()", "x" * 200,
]
PREFIX = "/s3"


def check(sent: Any, keys: Any) -> sigv4.Authentication:
    auth = authenticate(sent.method, sent.raw_path, sent.raw_query, sent.wire_headers,
                        keys.lookup, time.time(), path_prefix=PREFIX)
    assert auth is not None
    return auth


def operations(client: Any, key: str) -> None:
    """A spread of operations: object, bucket and service level, with sub-resources."""
    client.put_object(Bucket="bkt", Key=key, Body=b"hello world")
    client.get_object(Bucket="bkt", Key=key)
    client.head_object(Bucket="bkt", Key=key, VersionId="v1")
    client.create_multipart_upload(Bucket="bkt", Key=key)
    client.upload_part(Bucket="bkt", Key=key, PartNumber=1, UploadId="x", Body=b"part")
    client.list_objects_v2(Bucket="bkt", Prefix="a/b c", StartAfter=key)
    client.list_objects(Bucket="bkt", Prefix="a/b", Delimiter="/")
    client.list_buckets()
    client.head_bucket(Bucket="bkt")


@pytest.mark.parametrize("key", KEYS)
def test_sigv4_header_from_botocore(s3_client: Any, keys: Any, key: str) -> None:
    client, recorder = s3_client(signature_version="s3v4")
    operations(client, key)
    assert len(recorder.sent) == 9
    for sent in recorder.sent:
        assert sent.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
        auth = check(sent, keys)
        assert auth.access_key == keys.access_key
        assert auth.scheme is AuthScheme.V4_HEADER
        assert auth.region == "us-east-1"


def test_sigv4_header_payload_modes(s3_client: Any, keys: Any) -> None:
    client, recorder = s3_client(signature_version="s3v4")
    client.put_object(Bucket="bkt", Key="k", Body=b"hello")
    auth = check(recorder.sent[-1], keys)
    assert auth.payload is PayloadMode.SHA256
    assert auth.payload_sha256 == hashlib.sha256(b"hello").hexdigest()
    auth.verify_payload_sha256(hashlib.sha256(b"hello").hexdigest())
    with pytest.raises(errors.ContentSha256Mismatch) as caught:
        auth.verify_payload_sha256(hashlib.sha256(b"hellO").hexdigest())
    assert isinstance(caught.value, errors.ChecksumMismatch)
    assert auth.chunk_signatures() is None

    tls, recorder = s3_client(endpoint="https://127.0.0.1:9/s3", signature_version="s3v4")
    tls.put_object(Bucket="bkt", Key="k", Body=b"hello")
    auth = check(recorder.sent[-1], keys)
    assert auth.payload is PayloadMode.STREAMING_UNSIGNED_TRAILER
    assert auth.payload.aws_chunked and auth.payload.trailer and not auth.payload.signed_chunks


def test_default_client_signs_headers_with_sigv4(s3_client: Any, keys: Any) -> None:
    client, recorder = s3_client()
    client.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "a"}, {"Key": "b c"}]})
    client.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    client.create_bucket(Bucket="bkt2")
    for sent in recorder.sent:
        assert check(sent, keys).scheme is AuthScheme.V4_HEADER


@pytest.mark.parametrize("key", KEYS)
def test_sigv2_header_from_botocore(s3_client: Any, keys: Any, key: str) -> None:
    client, recorder = s3_client(signature_version="s3")
    operations(client, key)
    for sent in recorder.sent:
        assert sent.headers["Authorization"].startswith("AWS ")
        auth = check(sent, keys)
        assert auth.scheme is AuthScheme.V2_HEADER
        assert auth.access_key == keys.access_key
        assert auth.payload is PayloadMode.UNSIGNED


PRESIGNED: list[tuple[str, dict[str, Any], str]] = [
    ("get_object", {"Bucket": "bkt"}, "GET"),
    ("head_object", {"Bucket": "bkt", "VersionId": "v 1"}, "HEAD"),
    ("upload_part", {"Bucket": "bkt", "PartNumber": 1, "UploadId": "x"}, "PUT"),
    ("create_multipart_upload", {"Bucket": "bkt"}, "POST"),
    ("get_object", {"Bucket": "bkt", "ResponseContentDisposition": "attachment; f=a b"}, "GET"),
]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("operation,params,method", PRESIGNED)
@pytest.mark.parametrize("version,scheme", [
    (None, AuthScheme.V2_QUERY), ("s3", AuthScheme.V2_QUERY), ("s3v4", AuthScheme.V4_QUERY),
])
def test_presigned_urls(
    s3_client: Any, keys: Any, key: str, operation: str, params: dict[str, Any], method: str,
    version: str | None, scheme: AuthScheme,
) -> None:
    client, _ = s3_client(signature_version=version)
    url = client.generate_presigned_url(operation, Params={**params, "Key": key}, ExpiresIn=300)
    parts = urlsplit(url)
    auth = authenticate(method, parts.path, parts.query, {"Host": parts.netloc}, keys.lookup,
                        time.time(), path_prefix=PREFIX)
    assert auth is not None and auth.scheme is scheme
    assert auth.payload is PayloadMode.UNSIGNED
    with pytest.raises(errors.RequestExpired) as caught:
        authenticate(method, parts.path, parts.query, {"Host": parts.netloc}, keys.lookup,
                     time.time() + 400, path_prefix=PREFIX)
    assert isinstance(caught.value, errors.AccessDenied)
    assert "Request has expired" in caught.value.message


@pytest.mark.parametrize("version", [None, "s3v4"])
@pytest.mark.parametrize("operation,params", [
    ("list_objects_v2", {"Bucket": "bkt", "Prefix": "a/b"}),
    ("list_objects", {"Bucket": "bkt", "Marker": "m+n"}),
    ("list_buckets", {}),
    ("list_multipart_uploads", {"Bucket": "bkt"}),
    ("get_bucket_versioning", {"Bucket": "bkt"}),
])
def test_presigned_bucket_and_service_level(
    s3_client: Any, keys: Any, version: str | None, operation: str, params: dict[str, Any]
) -> None:
    client, _ = s3_client(signature_version=version)
    parts = urlsplit(client.generate_presigned_url(operation, Params=params, ExpiresIn=60))
    auth = authenticate("GET", parts.path, parts.query, {"Host": parts.netloc}, keys.lookup,
                        time.time(), path_prefix=PREFIX)
    assert auth is not None


def test_presigned_put_with_signed_headers(s3_client: Any, keys: Any) -> None:
    params = {"Bucket": "bkt", "Key": "k", "ContentType": "text/plain", "Metadata": {"a": "b"}}
    v4, _ = s3_client(signature_version="s3v4")
    parts = urlsplit(v4.generate_presigned_url("put_object", Params=params, ExpiresIn=60))
    headers = {"Host": parts.netloc, "Content-Type": "text/plain", "x-amz-meta-a": "b"}
    assert authenticate("PUT", parts.path, parts.query, headers, keys.lookup, time.time(),
                        path_prefix=PREFIX)
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate("PUT", parts.path, parts.query, {**headers, "x-amz-meta-a": "c"},
                     keys.lookup, time.time(), path_prefix=PREFIX)

    v2, _ = s3_client(signature_version="s3")
    parts = urlsplit(v2.generate_presigned_url("put_object", Params=params, ExpiresIn=60))
    for headers in ({"Host": parts.netloc}, {"Host": parts.netloc, "Content-Type": "text/plain"}):
        auth = authenticate("PUT", parts.path, parts.query, headers, keys.lookup, time.time(),
                            path_prefix=PREFIX)
        assert auth is not None and auth.scheme is AuthScheme.V2_QUERY


# --- direct signers on AWSRequest -------------------------------------------------------------
URLS = [
    "http://127.0.0.1:9/s3/bkt/my%20key",
    "http://127.0.0.1:9/s3/bkt/%C3%BC%2B~%3D?uploads",
    "http://127.0.0.1:9/s3/bkt/k?partNumber=1&uploadId=x",
    "http://127.0.0.1:9/s3/bkt?list-type=2&prefix=a%2Fb",
    "http://127.0.0.1:9/s3/bkt?delete",
]


def _credentials(keys: Any) -> Credentials:
    return Credentials(keys.access_key, keys.secret_key)


@pytest.mark.parametrize("url", URLS)
def test_s3sigv4auth_on_awsrequest(keys: Any, url: str) -> None:
    request = AWSRequest("PUT", url, headers={"x-amz-meta-colour": "  deep   blue "}, data=b"abc")
    S3SigV4Auth(_credentials(keys), "s3", "eu-west-3").add_auth(request)
    parts = urlsplit(request.url)
    headers = {"Host": parts.netloc, **request.headers}
    auth = authenticate("PUT", parts.path, parts.query, headers, keys.lookup, time.time(),
                        path_prefix=PREFIX)
    assert auth is not None and auth.region == "eu-west-3"
    assert auth.payload_sha256 == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize("url", URLS)
def test_s3sigv4queryauth_on_awsrequest(keys: Any, url: str) -> None:
    request = AWSRequest("GET", url)
    S3SigV4QueryAuth(_credentials(keys), "s3", "us-east-1", expires=60).add_auth(request)
    parts = urlsplit(request.url)
    assert authenticate("GET", parts.path, parts.query, {"Host": parts.netloc}, keys.lookup,
                        time.time(), path_prefix=PREFIX)


@pytest.mark.parametrize("url", URLS)
def test_hmacv1_on_awsrequest(keys: Any, url: str) -> None:
    # Without a client, botocore signs the URL's own path: an endpoint with no prefix.
    url = url.replace("/s3/", "/")
    request = AWSRequest("DELETE", url, headers={"x-amz-meta-a": "1"})
    HmacV1Auth(_credentials(keys)).add_auth(request)
    parts = urlsplit(request.url)
    auth = authenticate("DELETE", parts.path, parts.query, dict(request.headers), keys.lookup,
                        time.time())
    assert auth is not None and auth.scheme is AuthScheme.V2_HEADER

    query_request = AWSRequest("GET", url)
    HmacV1QueryAuth(_credentials(keys), expires=60).add_auth(query_request)
    parts = urlsplit(query_request.url)
    auth = authenticate("GET", parts.path, parts.query, {}, keys.lookup, time.time())
    assert auth is not None and auth.scheme is AuthScheme.V2_QUERY


def test_hmacv1_with_auth_path_and_prefix(keys: Any) -> None:
    request = AWSRequest("GET", "http://127.0.0.1:9/s3/bkt/my%20key?versionId=a%20b")
    request.auth_path = "/bkt/my%20key"  # what the client sets for a prefixed endpoint
    HmacV1Auth(_credentials(keys)).add_auth(request)
    parts = urlsplit(request.url)
    assert authenticate("GET", parts.path, parts.query, dict(request.headers), keys.lookup,
                        time.time(), path_prefix=PREFIX)


# --- s3cmd -----------------------------------------------------------------------------------
@pytest.fixture
def s3cmd(keys: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.setenv("HOME", str(tmp_path))
    from S3 import Crypto
    from S3.Config import Config

    config = Config()
    monkeypatch.setattr(config, "access_key", keys.access_key, raising=False)
    monkeypatch.setattr(config, "secret_key", keys.secret_key, raising=False)
    return Crypto


@pytest.mark.parametrize("key", ["k", "my key", "ü+~=x"])
@pytest.mark.parametrize("params", [{}, {"uploads": None}, {"partNumber": "1", "uploadId": "x"}])
def test_s3cmd_signatures_with_host_base_prefix(s3cmd: Any, keys: Any, key: str,
                                                params: dict[str, Any]) -> None:
    from S3.BaseUtils import s3_quote
    from S3.SortedDict import SortedDict

    resource = f"/bkt/{key}"
    raw_path = PREFIX + s3_quote(resource, quote_backslashes=False, unicode_output=True)
    raw_query = s3cmd.format_param_str(params)[1:]
    headers = SortedDict(ignore_case=True)
    headers["x-amz-date"] = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    v2 = s3cmd.sign_request_v2("GET", resource, dict(params), headers)
    auth = authenticate("GET", raw_path, raw_query, {"Host": "127.0.0.1:9", **v2},
                        keys.lookup, time.time(), path_prefix=PREFIX)
    assert auth is not None and auth.scheme is AuthScheme.V2_HEADER
    # s3cmd signs the host as get_hostname() gives it, `host_base` with its path, and sends
    # `Host: 127.0.0.1:9`; a plain host is accepted too
    for signed_host in ("127.0.0.1:9" + PREFIX, "127.0.0.1:9"):
        v4 = s3cmd.sign_request_v4("GET", signed_host, resource, dict(params), "us-east-1",
                                   SortedDict(ignore_case=True), b"")
        auth = authenticate("GET", raw_path, raw_query, {"Host": "127.0.0.1:9", **v4},
                            keys.lookup, time.time(), path_prefix=PREFIX)
        assert auth is not None and auth.scheme is AuthScheme.V4_HEADER
    # the prefixed host only goes with the unprefixed path
    v4 = s3cmd.sign_request_v4("GET", "127.0.0.1:9" + PREFIX, "/s3" + resource, dict(params),
                               "us-east-1", SortedDict(ignore_case=True), b"")
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate("GET", "/s3/s3" + raw_path[len(PREFIX):], raw_query,
                     {"Host": "127.0.0.1:9", **v4}, keys.lookup, time.time(),
                     path_prefix=PREFIX)


# --- refusals --------------------------------------------------------------------------------
@pytest.fixture
def signed_put(s3_client: Any) -> Any:
    client, recorder = s3_client(signature_version="s3v4")
    client.put_object(Bucket="bkt", Key="my key", Body=b"data", Metadata={"a": "b"})
    return recorder.sent[-1]


def _auth(sent: Any, keys: Any, **changes: Any) -> sigv4.Authentication | None:
    values = {"method": sent.method, "raw_path": sent.raw_path, "raw_query": sent.raw_query,
              "headers": sent.wire_headers, "secrets": keys.lookup, "now": time.time()}
    values.update(changes)
    return authenticate(values["method"], values["raw_path"], values["raw_query"],
                        values["headers"], values["secrets"], values["now"], path_prefix=PREFIX)


def test_tampering_is_refused(signed_put: Any, keys: Any) -> None:
    assert _auth(signed_put, keys)
    headers = signed_put.wire_headers
    tampered = [
        {"method": "POST"},
        {"raw_path": signed_put.raw_path + "x"},
        {"raw_path": signed_put.raw_path.replace("bkt", "bkt2")},
        {"raw_query": "uploads"},
        {"headers": {**headers, "x-amz-meta-a": "c"}},
        {"headers": {**headers, "Host": "127.0.0.1:10"}},
        {"secrets": lambda _: "another secret"},
    ]
    for change in tampered:
        with pytest.raises(errors.SignatureDoesNotMatch) as caught:
            _auth(signed_put, keys, **change)
        assert isinstance(caught.value, errors.AccessDenied)
        assert keys.secret_key not in caught.value.message


def test_signature_is_not_replayable_across_the_prefix(s3_client: Any, keys: Any) -> None:
    client, recorder = s3_client(signature_version="s3v4")
    client.get_object(Bucket="bkt", Key="k")
    sent = recorder.sent[-1]
    assert sent.raw_path == "/s3/bkt/k"
    with pytest.raises(errors.SignatureDoesNotMatch):
        _auth(sent, keys, raw_path="/s3/s3/bkt/k")
    # The unprefixed form (what s3cmd signs) is accepted under the prefix, ...
    request = AWSRequest("GET", "http://127.0.0.1:9/bkt/k")
    S3SigV4Auth(_credentials(keys), "s3", "us-east-1").add_auth(request)
    headers = {"Host": "127.0.0.1:9", **request.headers}
    assert authenticate("GET", "/s3/bkt/k", "", headers, keys.lookup, time.time(),
                        path_prefix=PREFIX)
    # ... but not when it is itself prefixed: /s3/bkt/k signed unprefixed means bucket "s3".
    request = AWSRequest("GET", "http://127.0.0.1:9/s3/bkt/k")
    S3SigV4Auth(_credentials(keys), "s3", "us-east-1").add_auth(request)
    headers = {"Host": "127.0.0.1:9", **request.headers}
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate("GET", "/s3/s3/bkt/k", "", headers, keys.lookup, time.time(),
                     path_prefix=PREFIX)


def test_unknown_key_and_malformed_headers(signed_put: Any, keys: Any) -> None:
    with pytest.raises(errors.InvalidAccessKeyId) as caught:
        _auth(signed_put, keys, secrets=lambda _: None)
    assert isinstance(caught.value, errors.AccessDenied)
    headers = signed_put.wire_headers
    authorization = headers["Authorization"]
    malformed = [
        authorization.split(", Signature=")[0],
        authorization.replace("/s3/aws4_request", "/sqs/aws4_request"),
        authorization.replace("Credential=", "Credentials="),
        authorization[:-3],
        authorization.replace(headers["X-Amz-Date"][:8], "20000101"),
    ]
    for value in malformed:
        with pytest.raises(errors.AuthorizationHeaderMalformed) as bad:
            _auth(signed_put, keys, headers={**headers, "Authorization": value})
        assert isinstance(bad.value, errors.InvalidRequest)
    with pytest.raises(errors.InvalidArgument):
        _auth(signed_put, keys, headers={**headers, "Authorization": "Bearer token"})
    with pytest.raises(errors.InvalidArgument):
        _auth(signed_put, keys, raw_query="X-Amz-Signature=00&X-Amz-Algorithm=AWS4-HMAC-SHA256")
    missing = {k: v for k, v in headers.items() if k.lower() != "x-amz-content-sha256"}
    with pytest.raises(errors.InvalidRequest, match="x-amz-content-sha256"):
        _auth(signed_put, keys, headers=missing)


def test_unsigned_amz_header_and_clock_skew(signed_put: Any, keys: Any) -> None:
    with pytest.raises(errors.AccessDenied, match="not signed"):
        _auth(signed_put, keys, headers={**signed_put.wire_headers, "x-amz-meta-extra": "1"})
    with pytest.raises(errors.RequestTimeTooSkewed):
        _auth(signed_put, keys, now=time.time() + 16 * 60)
    with pytest.raises(errors.RequestTimeTooSkewed):
        _auth(signed_put, keys, now=time.time() - 16 * 60)
    assert _auth(signed_put, keys, now=time.time() + 14 * 60)


def test_presigned_refusals(s3_client: Any, keys: Any) -> None:
    client, _ = s3_client(signature_version="s3v4")
    parts = urlsplit(client.generate_presigned_url(
        "get_object", Params={"Bucket": "b", "Key": "k"}, ExpiresIn=60))
    host = {"Host": parts.netloc}
    with pytest.raises(errors.AccessDenied, match="not valid yet"):
        authenticate("GET", parts.path, parts.query, host, keys.lookup, time.time() - 3600,
                     path_prefix=PREFIX)
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate("GET", parts.path, parts.query + "&extra=1", host, keys.lookup,
                     time.time(), path_prefix=PREFIX)
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate("GET", parts.path, parts.query.replace("X-Amz-Expires=60",
                                                            "X-Amz-Expires=600"),
                     host, keys.lookup, time.time(), path_prefix=PREFIX)
    with pytest.raises(errors.AuthorizationQueryParametersError):
        authenticate("GET", parts.path, parts.query.replace("X-Amz-Expires=60",
                                                            "X-Amz-Expires=604801"),
                     host, keys.lookup, time.time(), path_prefix=PREFIX)
    with pytest.raises(errors.AuthorizationQueryParametersError):
        authenticate("GET", parts.path, "X-Amz-Algorithm=AWS4-HMAC-SHA256", host, keys.lookup,
                     time.time(), path_prefix=PREFIX)
    with pytest.raises(errors.InvalidAccessKeyId):
        authenticate("GET", parts.path, parts.query, host, lambda _: None, time.time(),
                     path_prefix=PREFIX)
    v2, _ = s3_client(signature_version="s3")
    parts = urlsplit(v2.generate_presigned_url(
        "get_object", Params={"Bucket": "b", "Key": "k"}, ExpiresIn=60))
    with pytest.raises(errors.SignatureDoesNotMatch):
        authenticate("GET", parts.path.replace("/k", "/j"), parts.query, host, keys.lookup,
                     time.time(), path_prefix=PREFIX)
    with pytest.raises(errors.InvalidAccessKeyId):
        authenticate("GET", parts.path, parts.query, host, lambda _: None, time.time(),
                     path_prefix=PREFIX)


def test_anonymous_request() -> None:
    assert authenticate("GET", "/s3/bkt/k", "", {"Host": "h"}, lambda _: None, 0.0) is None


def test_payload_mode_values() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert sigv4.payload_mode(digest.upper()) == (PayloadMode.SHA256, digest)
    for mode in PayloadMode:
        if mode is not PayloadMode.SHA256:
            assert sigv4.payload_mode(mode.value) == (mode, None)
    with pytest.raises(errors.InvalidArgument):
        sigv4.payload_mode("not-a-hash")
    with pytest.raises(errors.NotSupported):
        sigv4.payload_mode("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")


# --- AWS documentation vectors (sigv4-streaming and sigv4-streaming-trailers) -----------------
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_NOW = float(calendar.timegm((2013, 5, 24, 0, 0, 0)))


def test_aws_streaming_example_seed_and_chain() -> None:
    headers = {
        "Host": "s3.amazonaws.com", "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3"
        "/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;"
        "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "66560",
        "Content-Length": "66824",
    }
    auth = authenticate("PUT", "/examplebucket/chunkObject.txt", "", headers,
                        {"AKIAIOSFODNN7EXAMPLE": AWS_SECRET}.get, AWS_NOW)
    assert auth is not None and auth.payload is PayloadMode.STREAMING_SIGNED
    chain = auth.chunk_signatures()
    assert chain is not None
    chain.verify_chunk(hashlib.sha256(b"a" * 65536).hexdigest(),
                       "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
    with pytest.raises(errors.SignatureDoesNotMatch):  # chunks out of order
        chain.verify_chunk(sigv4.EMPTY_SHA256,
                           "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
    chain.verify_chunk(hashlib.sha256(b"a" * 1024).hexdigest(),
                       "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
    chain.verify_chunk(sigv4.EMPTY_SHA256,
                       "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
    for text in (repr(auth), repr(chain)):
        assert AWS_SECRET not in text and "4f232c43" not in text


def test_aws_trailer_example_chain() -> None:
    key = sigv4.signing_key(AWS_SECRET, "20130524", "us-east-1")
    chain = sigv4.ChunkSignatureChain(
        key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
        "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e")
    for data in (b"a" * 65536, b"a" * 1024):
        digest = hashlib.sha256(data).hexdigest()
        chain.verify_chunk(digest, chain.expected_chunk_signature(digest))
    chain.verify_chunk(sigv4.EMPTY_SHA256,
                       "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992")
    with pytest.raises(errors.SignatureDoesNotMatch):
        chain.verify_trailer(b"x-amz-checksum-crc32c:sOO8/Q=X\n",
                             "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435")
    chain.verify_trailer(b"x-amz-checksum-crc32c:sOO8/Q==\n",
                         "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435")


def test_canonical_query_normalises_encoding() -> None:
    pairs = sigv4.split_query("prefix=a/b&uploads&b=%7e&a=x+y&a=%20")
    assert sigv4.canonical_query(pairs) == "a=%20&a=x%2By&b=~&prefix=a%2Fb&uploads="
    assert sigv4.canonical_query(pairs, plus_is_space=True) == \
        "a=%20&a=x%20y&b=~&prefix=a%2Fb&uploads="
    assert sigv4.canonical_query(sigv4.split_query("X-Amz-Signature=1&x=1"), "X-Amz-Signature") \
        == "x=1"


@pytest.mark.parametrize("version", ["s3", "s3v4"])
def test_virtual_hosted_requests(s3_client: Any, keys: Any, version: str) -> None:
    client, recorder = s3_client(endpoint="http://s3.example.test:9", signature_version=version,
                                 s3={"addressing_style": "virtual"})
    client.get_object(Bucket="bkt", Key="my key", VersionId="v")
    client.list_objects_v2(Bucket="bkt", Prefix="p")
    url = client.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "a b"},
                                        ExpiresIn=60)
    for sent in recorder.sent:
        assert urlsplit(sent.url).netloc == "bkt.s3.example.test:9"
        assert authenticate(sent.method, sent.raw_path, sent.raw_query, sent.wire_headers,
                            keys.lookup, time.time(), virtual_host_bucket="bkt")
    parts = urlsplit(url)
    assert authenticate("GET", parts.path, parts.query, {"Host": parts.netloc}, keys.lookup,
                        time.time(), virtual_host_bucket="bkt")
    if version == "s3":  # the bucket is part of what SigV2 signs
        with pytest.raises(errors.SignatureDoesNotMatch):
            authenticate("GET", parts.path, parts.query, {"Host": parts.netloc}, keys.lookup,
                         time.time(), virtual_host_bucket="other")


def test_sigv4_dated_by_the_date_header(keys: Any) -> None:
    from email.utils import formatdate

    request = AWSRequest("GET", "http://127.0.0.1:9/s3/bkt/k", headers={"Date": formatdate()})
    S3SigV4Auth(_credentials(keys), "s3", "us-east-1").add_auth(request)
    assert "X-Amz-Date" not in request.headers
    headers = {"Host": "127.0.0.1:9", **request.headers}
    assert authenticate("GET", "/s3/bkt/k", "", headers, keys.lookup, time.time(),
                        path_prefix=PREFIX)
