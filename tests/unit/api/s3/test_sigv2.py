"""SigV2 building blocks; end-to-end SigV2 against botocore and s3cmd is in test_sigv4.py."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from aisnode import errors
from aisnode.api.s3 import sigv2
from aisnode.api.s3.sigv4 import split_query


def test_canonical_resource_keeps_only_subresources_sorted() -> None:
    query = split_query("uploadId=a%20b&list-type=2&partNumber=3&uploads&acl=")
    assert sigv2.canonical_resource("/b/k", query) == "/b/k?acl=&partNumber=3&uploadId=a b&uploads"
    assert sigv2.canonical_resource("/b/k", query, decode_values=False) == \
        "/b/k?acl=&partNumber=3&uploadId=a%20b&uploads"
    assert sigv2.canonical_resource("/b", split_query("prefix=x&max-keys=2")) == "/b"


@pytest.mark.parametrize("raw_path,prefix,expected", [
    ("/s3/b/k", "/s3", ["/b/k"]),
    ("/s3/b", "/s3", ["/b", "/b/"]),
    ("/s3/b/", "/s3", ["/b/"]),
    ("/s3", "/s3", ["/", "/s3"]),
    ("/s3/", "/s3/", ["/", "/s3/"]),
    ("/s3/s3/k", "/s3", []),  # ambiguous: refused rather than guessed
    ("/b/k", "", ["/b/k"]),
    ("/b", "", ["/b", "/b/"]),
])
def test_resource_paths(raw_path: str, prefix: str, expected: list[str]) -> None:
    assert sigv2.resource_paths(raw_path, prefix) == expected


def test_string_to_sign_layout() -> None:
    text = sigv2.string_to_sign(
        "put", " md5 ", "text/plain", "Thu, 01 Jan 2026 00:00:00 GMT",
        {"x-amz-meta-b": [" 2 "], "x-amz-meta-a": ["1", "3"], "content-type": ["ignored"]},
        "/b/k?uploads",
    )
    assert text == ("PUT\nmd5\ntext/plain\nThu, 01 Jan 2026 00:00:00 GMT\n"
                    "x-amz-meta-a:1,3\nx-amz-meta-b:2\n/b/k?uploads")


def _signed_headers(secret: str, date: str, resource: str) -> dict[str, list[str]]:
    signature = sigv2.sign(secret, sigv2.string_to_sign("GET", "", "", date, {}, resource))
    return {"date": [date], "authorization": [f"AWS AK:{signature}"]}


def test_verify_header_date_and_errors() -> None:
    now = time.time()
    date = formatdate(now, usegmt=True)
    headers = _signed_headers("sk", date, "/b/k")
    lookup = {"AK": "sk"}.get
    assert sigv2.verify_header("GET", ["/b/k"], [], headers, headers["authorization"][0],
                               lookup, now) == "AK"
    with pytest.raises(errors.SignatureDoesNotMatch):
        sigv2.verify_header("GET", ["/b/j"], [], headers, headers["authorization"][0], lookup, now)
    with pytest.raises(errors.RequestTimeTooSkewed):
        sigv2.verify_header("GET", ["/b/k"], [], headers, headers["authorization"][0], lookup,
                            now + 3600)
    with pytest.raises(errors.AccessDenied, match="Date"):
        sigv2.verify_header("GET", ["/b/k"], [], {}, headers["authorization"][0], lookup, now)
    with pytest.raises(errors.InvalidAccessKeyId):
        sigv2.verify_header("GET", ["/b/k"], [], headers, headers["authorization"][0],
                            lambda _: None, now)
    with pytest.raises(errors.AuthorizationHeaderMalformed):
        sigv2.verify_header("GET", ["/b/k"], [], headers, "AWS nocolon", lookup, now)


def test_verify_header_with_amz_date_signs_an_empty_date_line() -> None:
    now = time.time()
    amz_date = formatdate(now, usegmt=True)
    amz = {"x-amz-date": [amz_date]}
    signature = sigv2.sign("sk", sigv2.string_to_sign("GET", "", "", "", amz, "/b/k"))
    headers = {**amz, "date": ["Thu, 01 Jan 1970 00:00:00 GMT"]}
    assert sigv2.verify_header("GET", ["/b/k"], [], headers, f"AWS AK:{signature}",
                               {"AK": "sk"}.get, now) == "AK"


def test_verify_query_requires_its_parameters() -> None:
    with pytest.raises(errors.AuthorizationQueryParametersError):
        sigv2.verify_query("GET", ["/b/k"], split_query("AWSAccessKeyId=AK&Signature=x"), {},
                           {"AK": "sk"}.get, time.time())
    with pytest.raises(errors.AuthorizationQueryParametersError):
        sigv2.verify_query("GET", ["/b/k"],
                           split_query("AWSAccessKeyId=AK&Signature=x&Expires=soon"), {},
                           {"AK": "sk"}.get, time.time())
