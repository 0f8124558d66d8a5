"""S3 XML: rendering response documents and parsing request bodies.

Rendering takes plain frozen dataclasses (below) and returns UTF-8 bytes with an XML declaration;
documents carry the S3 namespace except `Error`, as S3 sends them. Timestamps are ISO 8601 with
milliseconds in UTC (`2026-11-21T09:41:09.000Z`); ETags are written quoted whether or not they
come quoted. With `encoding_type="url"` the keys, prefixes, delimiters and markers of a listing
are percent-encoded (space as `%20`, `/` kept), as S3 does for `encoding-type=url`.

Parsing is bounded: a body over the caller's limit is refused (`EntityTooLarge`), as is any
DOCTYPE or entity declaration, before the standard library parser sees it. Elements are matched
by local name, so bodies with or without the S3 namespace are accepted. Anything malformed raises
`MalformedXML`. What to do with the parsed values is left to the handlers and services.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from ...errors import EntityTooLarge, InvalidPartOrder, MalformedXML

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
MAX_DELETE_OBJECTS = 1000
MAX_PART_NUMBER = 10000

Timestamp = datetime | float
"""An aware datetime, or seconds since the epoch."""


# --- value types for rendering ----------------------------------------------------------------
@dataclass(frozen=True)
class Owner:
    id: str = "aisnode"
    display_name: str = "aisnode"


@dataclass(frozen=True)
class BucketEntry:
    name: str
    created: Timestamp
    region: str = ""


@dataclass(frozen=True)
class ObjectEntry:
    key: str
    last_modified: Timestamp
    etag: str
    size: int
    storage_class: str = "STANDARD"
    checksum_algorithm: str = ""


@dataclass(frozen=True)
class ListObjectsV1:
    """ListBucketResult of ListObjects (marker paging)."""

    bucket: str
    contents: Sequence[ObjectEntry] = ()
    common_prefixes: Sequence[str] = ()
    prefix: str = ""
    delimiter: str = ""
    marker: str = ""
    next_marker: str = ""
    max_keys: int = 1000
    is_truncated: bool = False
    encoding_type: str = ""
    owner: Owner | None = None  # rendered in every Contents when set


@dataclass(frozen=True)
class ListObjectsV2:
    """ListBucketResult of ListObjectsV2 (continuation-token paging)."""

    bucket: str
    contents: Sequence[ObjectEntry] = ()
    common_prefixes: Sequence[str] = ()
    prefix: str = ""
    delimiter: str = ""
    continuation_token: str = ""
    next_continuation_token: str = ""
    start_after: str = ""
    max_keys: int = 1000
    is_truncated: bool = False
    encoding_type: str = ""
    owner: Owner | None = None  # set when the request says fetch-owner=true


@dataclass(frozen=True)
class VersionEntry:
    """One Version, or DeleteMarker when `delete_marker`."""

    key: str
    version_id: str
    is_latest: bool
    last_modified: Timestamp
    etag: str = ""
    size: int = 0
    storage_class: str = "STANDARD"
    delete_marker: bool = False


@dataclass(frozen=True)
class ListVersions:
    bucket: str
    versions: Sequence[VersionEntry] = ()  # Version and DeleteMarker entries in listing order
    common_prefixes: Sequence[str] = ()
    prefix: str = ""
    delimiter: str = ""
    key_marker: str = ""
    version_id_marker: str = ""
    next_key_marker: str = ""
    next_version_id_marker: str = ""
    max_keys: int = 1000
    is_truncated: bool = False
    encoding_type: str = ""
    owner: Owner = field(default_factory=Owner)


@dataclass(frozen=True)
class PartEntry:
    part_number: int
    last_modified: Timestamp
    etag: str
    size: int
    checksums: Mapping[str, str] = field(default_factory=dict)  # {"crc32": "NhCmhg=="}


@dataclass(frozen=True)
class ListParts:
    bucket: str
    key: str
    upload_id: str
    parts: Sequence[PartEntry] = ()
    part_number_marker: int = 0
    next_part_number_marker: int = 0
    max_parts: int = 1000
    is_truncated: bool = False
    storage_class: str = "STANDARD"
    owner: Owner = field(default_factory=Owner)
    checksum_algorithm: str = ""


@dataclass(frozen=True)
class UploadEntry:
    key: str
    upload_id: str
    initiated: Timestamp
    storage_class: str = "STANDARD"


@dataclass(frozen=True)
class ListUploads:
    bucket: str
    uploads: Sequence[UploadEntry] = ()
    common_prefixes: Sequence[str] = ()
    prefix: str = ""
    delimiter: str = ""
    key_marker: str = ""
    upload_id_marker: str = ""
    next_key_marker: str = ""
    next_upload_id_marker: str = ""
    max_uploads: int = 1000
    is_truncated: bool = False
    encoding_type: str = ""
    owner: Owner = field(default_factory=Owner)


@dataclass(frozen=True)
class Deleted:
    key: str
    version_id: str = ""
    delete_marker: bool = False
    delete_marker_version_id: str = ""


@dataclass(frozen=True)
class DeleteError:
    key: str
    code: str
    message: str
    version_id: str = ""


# --- value types for parsing ------------------------------------------------------------------
@dataclass(frozen=True)
class CompletedPart:
    part_number: int
    etag: str  # without quotes
    checksums: Mapping[str, str] = field(default_factory=dict)  # {"crc32": "..."}


@dataclass(frozen=True)
class ObjectToDelete:
    key: str
    version_id: str = ""


@dataclass(frozen=True)
class DeleteRequest:
    objects: Sequence[ObjectToDelete]
    quiet: bool = False


# --- rendering helpers ------------------------------------------------------------------------
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;").replace("\r", "&#13;")
    # XML 1.0 cannot carry these; S3 writes them as character references all the same
    return _NOT_XML_CHAR.sub(lambda m: f"&#x{ord(m.group()):X};", text)


def format_timestamp(when: Timestamp) -> str:
    """ISO 8601 in UTC with milliseconds: `2026-11-21T09:41:09.000Z`."""
    if not isinstance(when, datetime):
        when = datetime.fromtimestamp(when, UTC)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def quote_etag(etag: str) -> str:
    """`abc` or `"abc"` → `"abc"`."""
    return '"' + etag.strip().strip('"') + '"'


class _Document:
    """A small writer: elements in order, text escaped."""

    def __init__(self, root: str, namespace: bool = True) -> None:
        self._root = root
        attributes = f' xmlns="{NAMESPACE}"' if namespace else ""
        self._parts = [DECLARATION, f"<{root}{attributes}>"]

    def text(self, name: str, value: str | int | bool) -> None:
        if isinstance(value, bool):
            value = "true" if value else "false"
        self._parts.append(f"<{name}>{_escape(str(value))}</{name}>")

    def content(self, value: str) -> None:
        """Text directly inside the root element."""
        self._parts.append(_escape(value))

    def open(self, name: str) -> None:
        self._parts.append(f"<{name}>")

    def close(self, name: str) -> None:
        self._parts.append(f"</{name}>")

    def owner(self, owner: Owner, name: str = "Owner") -> None:
        self.open(name)
        self.text("ID", owner.id)
        self.text("DisplayName", owner.display_name)
        self.close(name)

    def prefixes(self, prefixes: Iterable[str], encode: _Encoder) -> None:
        for prefix in prefixes:
            self.open("CommonPrefixes")
            self.text("Prefix", encode(prefix))
            self.close("CommonPrefixes")

    def render(self) -> bytes:
        return ("".join(self._parts) + f"</{self._root}>").encode()


class _Encoder:
    def __init__(self, encoding_type: str) -> None:
        self.url = encoding_type.lower() == "url"

    def __call__(self, text: str) -> str:
        return quote(text, safe="/") if self.url else text


def _object(document: _Document, entry: ObjectEntry, encode: _Encoder, owner: Owner | None) -> None:
    document.open("Contents")
    document.text("Key", encode(entry.key))
    document.text("LastModified", format_timestamp(entry.last_modified))
    document.text("ETag", quote_etag(entry.etag))
    document.text("Size", entry.size)
    if owner is not None:
        document.owner(owner)
    document.text("StorageClass", entry.storage_class)
    if entry.checksum_algorithm:
        document.text("ChecksumAlgorithm", entry.checksum_algorithm.upper())
    document.close("Contents")


# --- rendering --------------------------------------------------------------------------------
def render_list_buckets(buckets: Iterable[BucketEntry], owner: Owner | None = None) -> bytes:
    """ListAllMyBucketsResult."""
    document = _Document("ListAllMyBucketsResult")
    document.owner(owner or Owner())
    document.open("Buckets")
    for bucket in buckets:
        document.open("Bucket")
        document.text("Name", bucket.name)
        document.text("CreationDate", format_timestamp(bucket.created))
        if bucket.region:
            document.text("BucketRegion", bucket.region)
        document.close("Bucket")
    document.close("Buckets")
    return document.render()


def _list_tail(document: _Document, listing: ListObjectsV1 | ListObjectsV2,
               encode: _Encoder) -> bytes:
    """What both ListBucketResult versions end with: limits, flags, keys, common prefixes."""
    document.text("MaxKeys", listing.max_keys)
    if listing.delimiter:
        document.text("Delimiter", encode(listing.delimiter))
    if encode.url:
        document.text("EncodingType", "url")
    document.text("IsTruncated", listing.is_truncated)
    for entry in listing.contents:
        _object(document, entry, encode, listing.owner)
    document.prefixes(listing.common_prefixes, encode)
    return document.render()


def render_list_objects_v1(listing: ListObjectsV1) -> bytes:
    """ListBucketResult for ListObjects."""
    encode = _Encoder(listing.encoding_type)
    document = _Document("ListBucketResult")
    document.text("Name", listing.bucket)
    document.text("Prefix", encode(listing.prefix))
    document.text("Marker", encode(listing.marker))
    if listing.next_marker:
        document.text("NextMarker", encode(listing.next_marker))
    return _list_tail(document, listing, encode)


def render_list_objects_v2(listing: ListObjectsV2) -> bytes:
    """ListBucketResult for ListObjectsV2 (KeyCount counts keys and common prefixes)."""
    encode = _Encoder(listing.encoding_type)
    document = _Document("ListBucketResult")
    document.text("Name", listing.bucket)
    document.text("Prefix", encode(listing.prefix))
    if listing.start_after:
        document.text("StartAfter", encode(listing.start_after))
    if listing.continuation_token:
        document.text("ContinuationToken", listing.continuation_token)
    if listing.next_continuation_token:
        document.text("NextContinuationToken", listing.next_continuation_token)
    document.text("KeyCount", len(listing.contents) + len(listing.common_prefixes))
    return _list_tail(document, listing, encode)


def render_list_object_versions(listing: ListVersions) -> bytes:
    """ListVersionsResult."""
    encode = _Encoder(listing.encoding_type)
    document = _Document("ListVersionsResult")
    document.text("Name", listing.bucket)
    document.text("Prefix", encode(listing.prefix))
    document.text("KeyMarker", encode(listing.key_marker))
    document.text("VersionIdMarker", listing.version_id_marker)
    if listing.next_key_marker:
        document.text("NextKeyMarker", encode(listing.next_key_marker))
    if listing.next_version_id_marker:
        document.text("NextVersionIdMarker", listing.next_version_id_marker)
    document.text("MaxKeys", listing.max_keys)
    if listing.delimiter:
        document.text("Delimiter", encode(listing.delimiter))
    if encode.url:
        document.text("EncodingType", "url")
    document.text("IsTruncated", listing.is_truncated)
    for entry in listing.versions:
        name = "DeleteMarker" if entry.delete_marker else "Version"
        document.open(name)
        document.text("Key", encode(entry.key))
        document.text("VersionId", entry.version_id)
        document.text("IsLatest", entry.is_latest)
        document.text("LastModified", format_timestamp(entry.last_modified))
        if not entry.delete_marker:
            document.text("ETag", quote_etag(entry.etag))
            document.text("Size", entry.size)
            document.text("StorageClass", entry.storage_class)
        document.owner(listing.owner)
        document.close(name)
    document.prefixes(listing.common_prefixes, encode)
    return document.render()


def render_initiate_multipart_upload(bucket: str, key: str, upload_id: str) -> bytes:
    """InitiateMultipartUploadResult."""
    document = _Document("InitiateMultipartUploadResult")
    document.text("Bucket", bucket)
    document.text("Key", key)
    document.text("UploadId", upload_id)
    return document.render()


def render_complete_multipart_upload(
    location: str, bucket: str, key: str, etag: str, checksums: Mapping[str, str] | None = None
) -> bytes:
    """CompleteMultipartUploadResult (`checksums`: {"crc32": value} → ChecksumCRC32)."""
    document = _Document("CompleteMultipartUploadResult")
    document.text("Location", location)
    document.text("Bucket", bucket)
    document.text("Key", key)
    document.text("ETag", quote_etag(etag))
    for algorithm, value in (checksums or {}).items():
        document.text(_checksum_element(algorithm), value)
    return document.render()


def render_list_parts(listing: ListParts) -> bytes:
    """ListPartsResult."""
    document = _Document("ListPartsResult")
    document.text("Bucket", listing.bucket)
    document.text("Key", listing.key)
    document.text("UploadId", listing.upload_id)
    document.owner(listing.owner, "Initiator")
    document.owner(listing.owner)
    document.text("StorageClass", listing.storage_class)
    document.text("PartNumberMarker", listing.part_number_marker)
    if listing.next_part_number_marker:
        document.text("NextPartNumberMarker", listing.next_part_number_marker)
    document.text("MaxParts", listing.max_parts)
    document.text("IsTruncated", listing.is_truncated)
    if listing.checksum_algorithm:
        document.text("ChecksumAlgorithm", listing.checksum_algorithm.upper())
    for part in listing.parts:
        document.open("Part")
        document.text("PartNumber", part.part_number)
        document.text("LastModified", format_timestamp(part.last_modified))
        document.text("ETag", quote_etag(part.etag))
        document.text("Size", part.size)
        for algorithm, value in part.checksums.items():
            document.text(_checksum_element(algorithm), value)
        document.close("Part")
    return document.render()


def render_list_multipart_uploads(listing: ListUploads) -> bytes:
    """ListMultipartUploadsResult."""
    encode = _Encoder(listing.encoding_type)
    document = _Document("ListMultipartUploadsResult")
    document.text("Bucket", listing.bucket)
    document.text("KeyMarker", encode(listing.key_marker))
    document.text("UploadIdMarker", listing.upload_id_marker)
    if listing.next_key_marker:
        document.text("NextKeyMarker", encode(listing.next_key_marker))
    if listing.next_upload_id_marker:
        document.text("NextUploadIdMarker", listing.next_upload_id_marker)
    if listing.prefix:
        document.text("Prefix", encode(listing.prefix))
    if listing.delimiter:
        document.text("Delimiter", encode(listing.delimiter))
    document.text("MaxUploads", listing.max_uploads)
    if encode.url:
        document.text("EncodingType", "url")
    document.text("IsTruncated", listing.is_truncated)
    for upload in listing.uploads:
        document.open("Upload")
        document.text("Key", encode(upload.key))
        document.text("UploadId", upload.upload_id)
        document.owner(listing.owner, "Initiator")
        document.owner(listing.owner)
        document.text("StorageClass", upload.storage_class)
        document.text("Initiated", format_timestamp(upload.initiated))
        document.close("Upload")
    document.prefixes(listing.common_prefixes, encode)
    return document.render()


def render_copy_object(etag: str, last_modified: Timestamp) -> bytes:
    """CopyObjectResult."""
    document = _Document("CopyObjectResult")
    document.text("LastModified", format_timestamp(last_modified))
    document.text("ETag", quote_etag(etag))
    return document.render()


def render_copy_part(etag: str, last_modified: Timestamp) -> bytes:
    """CopyPartResult (UploadPartCopy)."""
    document = _Document("CopyPartResult")
    document.text("LastModified", format_timestamp(last_modified))
    document.text("ETag", quote_etag(etag))
    return document.render()


def render_delete_result(
    deleted: Iterable[Deleted], errors: Iterable[DeleteError], quiet: bool = False
) -> bytes:
    """DeleteResult; quiet mode reports only the errors."""
    document = _Document("DeleteResult")
    if not quiet:
        for entry in deleted:
            document.open("Deleted")
            document.text("Key", entry.key)
            if entry.version_id:
                document.text("VersionId", entry.version_id)
            if entry.delete_marker:
                document.text("DeleteMarker", True)
            if entry.delete_marker_version_id:
                document.text("DeleteMarkerVersionId", entry.delete_marker_version_id)
            document.close("Deleted")
    for error in errors:
        document.open("Error")
        document.text("Key", error.key)
        if error.version_id:
            document.text("VersionId", error.version_id)
        document.text("Code", error.code)
        document.text("Message", error.message)
        document.close("Error")
    return document.render()


def render_versioning_configuration(status: str = "") -> bytes:
    """VersioningConfiguration; empty for a bucket whose versioning was never set."""
    document = _Document("VersioningConfiguration")
    if status:
        document.text("Status", status)
    return document.render()


def render_empty_tagging() -> bytes:
    """Tagging with an empty TagSet (GetObjectTagging of an object without tags)."""
    document = _Document("Tagging")
    document.open("TagSet")
    document.close("TagSet")
    return document.render()


def render_location_constraint(region: str = "") -> bytes:
    """LocationConstraint; S3 leaves it empty for us-east-1."""
    document = _Document("LocationConstraint")
    if region:
        document.content(region)
    return document.render()


def render_error(
    code: str, message: str, resource: str = "", request_id: str = "",
    extra: Mapping[str, str] | None = None,
) -> bytes:
    """The S3 Error document (no namespace); `extra` adds fields such as BucketName or Key."""
    document = _Document("Error", namespace=False)
    document.text("Code", code)
    document.text("Message", message)
    for name, value in (extra or {}).items():
        document.text(name, value)
    if resource:
        document.text("Resource", resource)
    document.text("RequestId", request_id)
    return document.render()


def _checksum_element(algorithm: str) -> str:
    names = {"crc32": "CRC32", "crc32c": "CRC32C", "crc64nvme": "CRC64NVME", "sha1": "SHA1",
             "sha256": "SHA256"}
    return "Checksum" + names.get(algorithm.lower(), algorithm.upper())


# --- parsing ----------------------------------------------------------------------------------
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parse(body: bytes, limit: int, root: str) -> ElementTree.Element:
    if len(body) > limit:
        raise EntityTooLarge("XML request body", limit)
    if _FORBIDDEN.search(body):
        raise MalformedXML("DTDs and entity declarations are not allowed")
    try:
        element = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise MalformedXML(str(exc)) from None
    if _local(element.tag) != root:
        raise MalformedXML(f"expected <{root}>, got <{_local(element.tag)}>")
    return element


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child_text(element: ElementTree.Element, name: str) -> str | None:
    found = _children(element, name)
    if len(found) > 1:
        raise MalformedXML(f"<{name}> appears more than once")
    return (found[0].text or "") if found else None


def _boolean(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise MalformedXML(f"<{name}> must be true or false")
    return value == "true"


def parse_create_bucket_configuration(body: bytes, limit: int) -> str:
    """CreateBucketConfiguration → its LocationConstraint ("" when absent or the body is empty)."""
    if not body.strip():
        return ""
    root = _parse(body, limit, "CreateBucketConfiguration")
    return (_child_text(root, "LocationConstraint") or "").strip()


def parse_complete_multipart_upload(body: bytes, limit: int) -> list[CompletedPart]:
    """CompleteMultipartUpload → its parts, checked to be present and in ascending order."""
    root = _parse(body, limit, "CompleteMultipartUpload")
    parts: list[CompletedPart] = []
    for element in _children(root, "Part"):
        number_text = _child_text(element, "PartNumber")
        etag = _child_text(element, "ETag")
        if number_text is None or etag is None:
            raise MalformedXML("each <Part> needs <PartNumber> and <ETag>")
        try:
            number = int(number_text.strip())
        except ValueError:
            raise MalformedXML("<PartNumber> must be an integer") from None
        if not 1 <= number <= MAX_PART_NUMBER:
            raise MalformedXML(f"<PartNumber> must be between 1 and {MAX_PART_NUMBER}")
        checksums = {
            _local(child.tag)[len("Checksum"):].lower(): (child.text or "").strip()
            for child in element
            if _local(child.tag).startswith("Checksum") and _local(child.tag) != "ChecksumType"
        }
        parts.append(CompletedPart(number, etag.strip().strip('"'), checksums))
    if not parts:
        raise MalformedXML("no <Part> in CompleteMultipartUpload")
    if any(b.part_number <= a.part_number for a, b in zip(parts, parts[1:], strict=False)):
        raise InvalidPartOrder()
    return parts


def parse_delete(body: bytes, limit: int) -> DeleteRequest:
    """Delete (DeleteObjects) → the keys (and versions) to delete and the Quiet flag."""
    root = _parse(body, limit, "Delete")
    quiet_text = _child_text(root, "Quiet")
    quiet = _boolean(quiet_text, "Quiet") if quiet_text is not None else False
    objects: list[ObjectToDelete] = []
    for element in _children(root, "Object"):
        key = _child_text(element, "Key")
        if key is None or key == "":
            raise MalformedXML("each <Object> needs a non-empty <Key>")
        objects.append(ObjectToDelete(key, (_child_text(element, "VersionId") or "").strip()))
    if not objects:
        raise MalformedXML("no <Object> in Delete")
    if len(objects) > MAX_DELETE_OBJECTS:
        raise MalformedXML(f"more than {MAX_DELETE_OBJECTS} objects in one Delete")
    return DeleteRequest(objects, quiet)


def parse_versioning_configuration(body: bytes, limit: int) -> str:
    """VersioningConfiguration → "Enabled" or "Suspended" ("" when Status is absent)."""
    root = _parse(body, limit, "VersioningConfiguration")
    status = (_child_text(root, "Status") or "").strip()
    if status not in ("", "Enabled", "Suspended"):
        raise MalformedXML("<Status> must be Enabled or Suspended")
    return status
