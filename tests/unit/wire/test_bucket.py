"""Bucket identity, URIs, names and unames."""

from __future__ import annotations

import pytest

from aisnode.errors import InvalidBucketName, InvalidRequest
from aisnode.wire.bucket import (
    Bucket,
    Namespace,
    normalize_provider,
    parse_uname,
    parse_uri,
    validate_bucket_name,
)


@pytest.mark.parametrize("uri,provider,ns,name,obj", [
    ("ais://b", "ais", Namespace(), "b", ""),
    ("ais://b/", "ais", Namespace(), "b", ""),
    ("s3://b/dir/obj", "aws", Namespace(), "b", "dir/obj"),
    ("S3://b/dir/", "aws", Namespace(), "b", "dir/"),
    ("aws://b", "aws", Namespace(), "b", ""),
    ("gs://b", "gcp", Namespace(), "b", ""),
    ("az://b", "azure", Namespace(), "b", ""),
    ("ais://@uuid#ns/b/o", "ais", Namespace("uuid", "ns"), "b", "o"),
    ("ais://#ns/b/x/y", "ais", Namespace("", "ns"), "b", "x/y"),
    ("ais://@rem/b", "ais", Namespace("rem", ""), "b", ""),
    ("ais://", "ais", Namespace(), "", ""),
    ("s3:", "aws", Namespace(), "", ""),
    ("gs:", "gcp", Namespace(), "", ""),
    ("b/obj", "ais", Namespace(), "b", "obj"),
])
def test_parse_uri(uri: str, provider: str, ns: Namespace, name: str, obj: str) -> None:
    b, o = parse_uri(uri)
    assert (b.provider, b.ns, b.name, o) == (provider, ns, name, obj)


def test_parse_uri_default_provider_and_bad_scheme() -> None:
    assert parse_uri("b/o", default_provider="aws")[0].provider == "aws"
    with pytest.raises(InvalidRequest):
        parse_uri("ftp://b")


@pytest.mark.parametrize("alias,want", [
    ("", "ais"), (None, "ais"), ("ais", "ais"), ("s3", "aws"), ("AWS", "aws"), ("gs", "gcp"),
    ("gcp", "gcp"), ("az", "azure"), ("azure", "azure"), ("ht", "ht"), ("oc", "oci"),
    ("oci", "oci"),
])
def test_normalize_provider(alias: str | None, want: str) -> None:
    assert normalize_provider(alias) == want


@pytest.mark.parametrize("bad", ["s4", "file", "ais "])
def test_normalize_provider_unknown(bad: str) -> None:
    with pytest.raises(InvalidRequest):
        normalize_provider(bad)


@pytest.mark.parametrize("name", ["b", "a" * 64, "my-bucket_1.v2", "A.B-C_D", "0"])
def test_valid_bucket_names(name: str) -> None:
    validate_bucket_name(name)
    assert Bucket(name).validate() == Bucket(name)


@pytest.mark.parametrize("name", ["", "a" * 65, "a..b", "..", ".hidden", "a/b", "a b", " a",
                                  "tab\tx", "ü", "b*", "b%", "b:c", "b@x", "b#x"])
def test_invalid_bucket_names(name: str) -> None:
    with pytest.raises(InvalidBucketName):
        validate_bucket_name(name)


def test_bucket_name_with_trailing_newline_refused() -> None:
    with pytest.raises(InvalidBucketName):
        validate_bucket_name("bucket\n")


def test_uname() -> None:
    assert Bucket("b").uname("obj") == "ais/@#/b/obj"
    assert Bucket("b").uname() == "ais/@#/b/"
    assert Bucket("b", "aws").uname("d/o") == "aws/@#/b/d/o"
    assert Bucket("b", "ais", Namespace("u", "n")).uname("o") == "ais/@u#n/b/o"


@pytest.mark.parametrize("bck,obj", [
    (Bucket("b"), "obj"),
    (Bucket("b"), "dir/sub/obj"),
    (Bucket("b"), ""),
    (Bucket("b", "aws"), "x"),
    (Bucket("b", "gcp", Namespace("", "ns")), "a//b"),
    (Bucket("b", "ais", Namespace("uuid", "ns")), "ü/名"),
    (Bucket("b", "ais", Namespace("uuid", "")), "o"),
])
def test_parse_uname_round_trip(bck: Bucket, obj: str) -> None:
    assert parse_uname(bck.uname(obj)) == (bck, obj)


def test_parse_uname_invalid() -> None:
    with pytest.raises(InvalidRequest):
        parse_uname("ais/b")
    with pytest.raises(InvalidRequest):
        parse_uname("ais/ns/b/o")  # namespace without @ or #


def test_str_and_query() -> None:
    assert str(Bucket("b")) == "ais://b"
    assert str(Bucket("b", "aws")) == "s3://b"
    assert str(Bucket("b", "gcp")) == "gs://b"
    assert str(Bucket("b", "ais", Namespace("u", "n"))) == "ais://@u#n/b"
    assert str(Bucket("b", "ais", Namespace("", "n"))) == "ais://#n/b"
    assert parse_uri(str(Bucket("b", "ais", Namespace("u", "n"))))[0] == \
        Bucket("b", "ais", Namespace("u", "n"))
    assert Bucket("b").query() == {"provider": "ais"}
    assert Bucket("b", "ais", Namespace("u", "n")).query() == {"provider": "ais",
                                                               "namespace": "@u#n"}


def test_is_remote() -> None:
    assert Bucket("b").is_ais and not Bucket("b").is_remote
    assert Bucket("b", "aws").is_remote
    assert Bucket("b", "ais", Namespace("uuid", "")).is_remote
    assert Bucket("b", "ais", Namespace("", "local-ns")).is_ais
