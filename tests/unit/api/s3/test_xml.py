"""S3 XML: documents rendered here are parsed by a real botocore client; request bodies that
botocore serialises are parsed here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aisnode import errors
from aisnode.api.s3 import xml
from aisnode.api.s3.xml import (
    BucketEntry,
    Deleted,
    DeleteError,
    ListObjectsV1,
    ListObjectsV2,
    ListParts,
    ListUploads,
    ListVersions,
    ObjectEntry,
    Owner,
    PartEntry,
    UploadEntry,
    VersionEntry,
)

WHEN = datetime(2026, 11, 21, 9, 41, 9, 123456, tzinfo=UTC)
ODD_KEYS = ["plain", "a b+c", "dir/ü日本/x", "amp&lt<gt>\"quote'", "tilde~%25pct", "tab\tnl\ncr\r"]
LIMIT = 1 << 20


@pytest.fixture
def client(s3_client: Any) -> tuple[Any, Any]:
    return s3_client()


def answer(recorder: Any, body: bytes, status: int = 200) -> None:
    recorder.body, recorder.status = body, status


def test_timestamps_and_etags() -> None:
    assert xml.format_timestamp(WHEN) == "2026-11-21T09:41:09.123Z"
    assert xml.format_timestamp(0.5) == "1970-01-01T00:00:00.500Z"
    assert xml.format_timestamp(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000Z"
    assert xml.quote_etag("abc") == xml.quote_etag('"abc"') == '"abc"'


def test_list_buckets(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    answer(recorder, xml.render_list_buckets(
        [BucketEntry("one", WHEN), BucketEntry("two", 0.0, "eu-west-1")], Owner("id1", "me")))
    result = s3.list_buckets()
    assert [b["Name"] for b in result["Buckets"]] == ["one", "two"]
    assert result["Buckets"][0]["CreationDate"] == WHEN.replace(microsecond=123000)
    assert result["Owner"] == {"ID": "id1", "DisplayName": "me"}
    assert b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' in recorder.body


def _entries() -> list[ObjectEntry]:
    return [ObjectEntry(key, WHEN, f"etag{i}", i, checksum_algorithm="crc32" if i else "")
            for i, key in enumerate(ODD_KEYS)]


def test_list_objects_v2_url_encoded(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    answer(recorder, xml.render_list_objects_v2(ListObjectsV2(
        bucket="bkt", contents=_entries(), common_prefixes=["p q/", "ü/"], prefix="a b",
        delimiter="/", start_after="s+t", continuation_token="tok", next_continuation_token="nxt",
        max_keys=7, is_truncated=True, encoding_type="url", owner=Owner())))
    result = s3.list_objects_v2(Bucket="bkt", Prefix="a b", Delimiter="/", StartAfter="s+t",
                                ContinuationToken="tok", FetchOwner=True)
    assert "encoding-type=url" in recorder.sent[-1].raw_query
    assert [o["Key"] for o in result["Contents"]] == ODD_KEYS
    assert [o["ETag"] for o in result["Contents"]][:2] == ['"etag0"', '"etag1"']
    assert result["Contents"][1]["Size"] == 1
    assert result["Contents"][1]["ChecksumAlgorithm"] == ["CRC32"]
    assert result["Contents"][0]["Owner"] == {"ID": "aisnode", "DisplayName": "aisnode"}
    assert [p["Prefix"] for p in result["CommonPrefixes"]] == ["p q/", "ü/"]
    assert result["Prefix"] == "a b" and result["StartAfter"] == "s+t"
    assert result["Delimiter"] == "/" and result["KeyCount"] == 8 and result["MaxKeys"] == 7
    assert result["IsTruncated"] is True and result["NextContinuationToken"] == "nxt"
    assert result["ContinuationToken"] == "tok"


def test_list_objects_v2_plain_keys_survive_xml(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    keys = [k for k in ODD_KEYS if "\r" not in k]
    answer(recorder, xml.render_list_objects_v2(ListObjectsV2(
        bucket="bkt", contents=[ObjectEntry(k, WHEN, "e", 1) for k in keys])))
    result = s3.list_objects_v2(Bucket="bkt", EncodingType="url")  # set by hand: not decoded
    assert [o["Key"] for o in result["Contents"]] == keys
    assert "Owner" not in result["Contents"][0] and result["IsTruncated"] is False


def test_carriage_return_in_a_key_survives_xml() -> None:
    body = xml.render_list_objects_v2(ListObjectsV2(
        bucket="b", contents=[ObjectEntry("a\r\nb\x01", WHEN, "e", 1)]))
    assert b"a&#13;\nb&#x1;" in body


def test_list_objects_v1(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    answer(recorder, xml.render_list_objects_v1(ListObjectsV1(
        bucket="bkt", contents=_entries(), common_prefixes=["x y/"], marker="m n",
        next_marker=ODD_KEYS[-1], delimiter="/", is_truncated=True, encoding_type="url",
        owner=Owner("o", "d"))))
    result = s3.list_objects(Bucket="bkt", Marker="m n", Delimiter="/")
    assert [o["Key"] for o in result["Contents"]] == ODD_KEYS
    assert result["Marker"] == "m n" and result["NextMarker"] == ODD_KEYS[-1]
    assert result["Contents"][0]["Owner"]["ID"] == "o"
    assert result["CommonPrefixes"] == [{"Prefix": "x y/"}]


def test_list_object_versions(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    answer(recorder, xml.render_list_object_versions(ListVersions(
        bucket="bkt",
        versions=[VersionEntry("a b", "v2", True, WHEN, delete_marker=True),
                  VersionEntry("a b", "v1", False, WHEN, "e1", 5),
                  VersionEntry("c", "null", True, WHEN, "e2", 6)],
        common_prefixes=["d/"], key_marker="k m", version_id_marker="vm",
        next_key_marker="c", next_version_id_marker="null", is_truncated=True,
        encoding_type="url")))
    result = s3.list_object_versions(Bucket="bkt", KeyMarker="k m", VersionIdMarker="vm")
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in result["Versions"]] == \
        [("a b", "v1", False), ("c", "null", True)]
    assert result["Versions"][0]["ETag"] == '"e1"' and result["Versions"][0]["Size"] == 5
    assert [(m["Key"], m["VersionId"]) for m in result["DeleteMarkers"]] == [("a b", "v2")]
    assert result["KeyMarker"] == "k m" and result["NextKeyMarker"] == "c"
    assert result["VersionIdMarker"] == "vm" and result["NextVersionIdMarker"] == "null"
    assert result["CommonPrefixes"] == [{"Prefix": "d/"}]


def test_multipart_documents(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    answer(recorder, xml.render_initiate_multipart_upload("bkt", "a b", "up-1"))
    assert s3.create_multipart_upload(Bucket="bkt", Key="a b")["UploadId"] == "up-1"

    answer(recorder, xml.render_complete_multipart_upload(
        "http://h/s3/bkt/a%20b", "bkt", "a b", "abc-2", {"crc32": "NhCmhg=="}))
    result = s3.complete_multipart_upload(
        Bucket="bkt", Key="a b", UploadId="up-1",
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"e1"'}]})
    assert result["ETag"] == '"abc-2"' and result["Key"] == "a b"
    assert result["ChecksumCRC32"] == "NhCmhg=="

    answer(recorder, xml.render_list_parts(ListParts(
        "bkt", "a b", "up-1", [PartEntry(1, WHEN, "e1", 5 << 20, {"crc32": "NhCmhg=="}),
                               PartEntry(2, WHEN, '"e2"', 3)],
        part_number_marker=0, next_part_number_marker=2, max_parts=2, is_truncated=True)))
    result = s3.list_parts(Bucket="bkt", Key="a b", UploadId="up-1")
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in result["Parts"]] == \
        [(1, '"e1"', 5 << 20), (2, '"e2"', 3)]
    assert result["Parts"][0]["ChecksumCRC32"] == "NhCmhg=="
    assert result["NextPartNumberMarker"] == 2 and result["IsTruncated"] is True
    assert result["Initiator"]["ID"] == "aisnode"

    answer(recorder, xml.render_list_multipart_uploads(ListUploads(
        "bkt", [UploadEntry("a b", "up-1", WHEN), UploadEntry("c", "up-2", WHEN)],
        common_prefixes=["p/"], prefix="", key_marker="k", next_key_marker="c",
        next_upload_id_marker="up-2", is_truncated=True, encoding_type="url")))
    # botocore decodes only the listings whose encoding type it set itself
    result = s3.list_multipart_uploads(Bucket="bkt", KeyMarker="k", EncodingType="url")
    assert [(u["Key"], u["UploadId"]) for u in result["Uploads"]] == \
        [("a%20b", "up-1"), ("c", "up-2")]
    assert result["NextUploadIdMarker"] == "up-2" and result["CommonPrefixes"] == [{"Prefix": "p/"}]

    answer(recorder, xml.render_copy_part("e3", WHEN))
    result = s3.upload_part_copy(Bucket="bkt", Key="k", UploadId="u", PartNumber=1,
                                 CopySource="src/obj")
    assert result["CopyPartResult"]["ETag"] == '"e3"'


def test_copy_delete_versioning_location(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    answer(recorder, xml.render_copy_object("e", WHEN))
    result = s3.copy_object(Bucket="b", Key="k", CopySource="s/o")
    assert result["CopyObjectResult"] == {"ETag": '"e"',
                                          "LastModified": WHEN.replace(microsecond=123000)}

    deleted = [Deleted("a"), Deleted("b c", "v1", True, "dm1")]
    failed = [DeleteError("d", "AccessDenied", "Access Denied", "v9")]
    answer(recorder, xml.render_delete_result(deleted, failed))
    result = s3.delete_objects(Bucket="b", Delete={"Objects": [{"Key": "a"}]})
    assert result["Deleted"] == [
        {"Key": "a"},
        {"Key": "b c", "VersionId": "v1", "DeleteMarker": True, "DeleteMarkerVersionId": "dm1"},
    ]
    assert result["Errors"] == [
        {"Key": "d", "VersionId": "v9", "Code": "AccessDenied", "Message": "Access Denied"}]
    answer(recorder, xml.render_delete_result(deleted, [], quiet=True))
    assert "Deleted" not in s3.delete_objects(Bucket="b", Delete={"Objects": [{"Key": "a"}]})

    for status in ("Enabled", "Suspended"):
        answer(recorder, xml.render_versioning_configuration(status))
        assert s3.get_bucket_versioning(Bucket="b")["Status"] == status
    answer(recorder, xml.render_versioning_configuration())
    assert "Status" not in s3.get_bucket_versioning(Bucket="b")

    answer(recorder, xml.render_location_constraint("eu-west-1"))
    assert s3.get_bucket_location(Bucket="b")["LocationConstraint"] == "eu-west-1"
    answer(recorder, xml.render_location_constraint())
    assert s3.get_bucket_location(Bucket="b")["LocationConstraint"] is None


def test_error_document(client: tuple[Any, Any]) -> None:
    s3, recorder = client
    body = xml.render_error("NoSuchKey", "The specified key does not exist.", "/bkt/a b",
                            "REQ1", {"Key": "a b"})
    assert b"xmlns" not in body
    answer(recorder, body, 404)
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket="bkt", Key="a b")
    error = caught.value.response["Error"]
    assert error["Code"] == "NoSuchKey" and error["Message"] == "The specified key does not exist."
    assert error["Key"] == "a b"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --- parsing ----------------------------------------------------------------------------------
def _sent_body(client: tuple[Any, Any], call: str, reply: bytes = b"", **params: Any) -> bytes:
    s3, recorder = client
    answer(recorder, reply)
    getattr(s3, call)(**params)
    return recorder.sent[-1].body


def test_parse_botocore_delete(client: tuple[Any, Any]) -> None:
    body = _sent_body(client, "delete_objects", Bucket="b", Delete={
        "Objects": [{"Key": "a"}, {"Key": " b c&<> ", "VersionId": "v1"}, {"Key": "ü/日"}],
        "Quiet": True})
    request = xml.parse_delete(body, LIMIT)
    assert request.quiet is True
    assert [(o.key, o.version_id) for o in request.objects] == \
        [("a", ""), (" b c&<> ", "v1"), ("ü/日", "")]


def test_parse_botocore_complete_multipart_upload(client: tuple[Any, Any]) -> None:
    body = _sent_body(
        client, "complete_multipart_upload",
        reply=xml.render_complete_multipart_upload("l", "b", "k", "e"),
        Bucket="b", Key="k", UploadId="u", MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": '"e1"', "ChecksumCRC32": "NhCmhg=="},
            {"PartNumber": 3, "ETag": "e3"}]})
    parts = xml.parse_complete_multipart_upload(body, LIMIT)
    assert [(p.part_number, p.etag) for p in parts] == [(1, "e1"), (3, "e3")]
    assert parts[0].checksums == {"crc32": "NhCmhg=="}


def test_parse_botocore_bucket_configurations(client: tuple[Any, Any]) -> None:
    body = _sent_body(client, "create_bucket", Bucket="b",
                      CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert xml.parse_create_bucket_configuration(body, LIMIT) == "eu-west-1"
    assert xml.parse_create_bucket_configuration(b"", LIMIT) == ""
    for status in ("Enabled", "Suspended"):
        body = _sent_body(client, "put_bucket_versioning", Bucket="b",
                          VersioningConfiguration={"Status": status})
        assert xml.parse_versioning_configuration(body, LIMIT) == status


def test_parse_without_namespace() -> None:
    body = (b"<Delete><Object><Key>k</Key></Object><Quiet>false</Quiet></Delete>")
    assert xml.parse_delete(body, LIMIT).objects[0].key == "k"
    body = (b"<CompleteMultipartUpload><Part><ETag>\"x\"</ETag><PartNumber>2</PartNumber></Part>"
            b"</CompleteMultipartUpload>")
    assert xml.parse_complete_multipart_upload(body, LIMIT)[0].part_number == 2
    assert xml.parse_versioning_configuration(
        b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
        LIMIT) == "Enabled"


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b"<Delete><Object><Key>&lol2;</Key></Object></Delete>"
)


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS,
    b'<!doctype Delete SYSTEM "file:///etc/passwd"><Delete/>',
    b"<Delete><Object><Key>k</Key></Object>",  # not well-formed
    b"<Remove><Object><Key>k</Key></Object></Remove>",  # wrong root
    b"<Delete></Delete>",  # nothing to delete
    b"<Delete><Object><VersionId>v</VersionId></Object></Delete>",  # no key
    b"<Delete><Object><Key>k</Key></Object><Quiet>maybe</Quiet></Delete>",
    b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>",
])
def test_malformed_delete(body: bytes) -> None:
    with pytest.raises(errors.MalformedXML) as caught:
        xml.parse_delete(body, LIMIT)
    assert isinstance(caught.value, errors.InvalidRequest)


@pytest.mark.parametrize("parts,error", [
    (b"", errors.MalformedXML),
    (b"<Part><PartNumber>1</PartNumber></Part>", errors.MalformedXML),
    (b"<Part><PartNumber>x</PartNumber><ETag>e</ETag></Part>", errors.MalformedXML),
    (b"<Part><PartNumber>0</PartNumber><ETag>e</ETag></Part>", errors.MalformedXML),
    (b"<Part><PartNumber>10001</PartNumber><ETag>e</ETag></Part>", errors.MalformedXML),
    (b"<Part><PartNumber>2</PartNumber><ETag>e</ETag></Part>"
     b"<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part>", errors.InvalidPartOrder),
    (b"<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part>"
     b"<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part>", errors.InvalidPartOrder),
])
def test_malformed_complete_multipart_upload(parts: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        xml.parse_complete_multipart_upload(
            b"<CompleteMultipartUpload>" + parts + b"</CompleteMultipartUpload>", LIMIT)


def test_size_limit_and_versioning_status() -> None:
    with pytest.raises(errors.EntityTooLarge):
        xml.parse_delete(b"<Delete>" + b" " * 100 + b"</Delete>", 50)
    with pytest.raises(errors.MalformedXML):
        xml.parse_versioning_configuration(
            b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>", LIMIT)
    assert xml.parse_versioning_configuration(
        b"<VersioningConfiguration><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>",
        LIMIT) == ""
