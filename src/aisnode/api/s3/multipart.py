"""S3 multipart upload: Create, UploadPart, UploadPartCopy, ListParts, ListMultipartUploads,
Complete, Abort."""

from __future__ import annotations

from aiohttp import web

import re
from collections.abc import AsyncIterator

from ...core.storage.executor import run_blocking
from ...errors import InvalidArgument
from ..keys import SERVICES
from ..request_body import read_bounded
from . import xml as X
from .body import open_body
from .buckets import props_of
from .object_headers import check_conditions, metadata_from_request
from .objects import NoSuchVersion, copy_source, version_id
from .request import S3Request
from .responses import empty, xml

MIN_PART_SIZE = 5 << 20
_COPY_RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")
MAX_COMPLETE_BODY = 4 << 20


def _upload_id(r: S3Request) -> str:
    return r.query.get("uploadId", "")


async def create_multipart_upload(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    props_of(r)
    upload_id = await svc.multipart.create(r.bucket, r.key, metadata_from_request(r.headers))
    return xml(X.render_initiate_multipart_upload(r.bucket_name, r.key, upload_id))


async def upload_part(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    try:
        number = int(r.query.get("partNumber", ""))
    except ValueError:
        raise InvalidArgument("partNumber", "must be an integer between 1 and 10000") from None
    body = open_body(r)
    part = await svc.multipart.put_part(r.bucket, r.key, _upload_id(r), number, body.chunks,
                                        body.size, body.content_md5)
    return empty(headers={"ETag": f'"{part.md5}"', **body.checksums})


async def upload_part_copy(r: S3Request) -> web.StreamResponse:
    """A part made from (a range of) an existing object (`x-amz-copy-source[-range]`)."""
    svc = r.http.app[SERVICES]
    try:
        number = int(r.query.get("partNumber", ""))
    except ValueError:
        raise InvalidArgument("partNumber", "must be an integer between 1 and 10000") from None
    src, src_key, src_version = copy_source(r)
    src_versioned = svc.buckets.head(src)["versioning"]["enabled"]
    if svc.remote.backed(src) is not None and not svc.remote.is_cached(src, src_key):
        await svc.remote.fetch(src, src_key)
    obj = svc.objects.open(src, src_key)
    try:
        meta = obj.meta
        if src_version is not None and src_version != version_id(meta, src_versioned):
            raise NoSuchVersion(src_key, src_version)
        check_conditions(r.headers, meta, prefix="x-amz-copy-source-if-", read=False)
        off, n = 0, meta.size
        rng = r.headers.get("x-amz-copy-source-range")
        if rng:
            m = _COPY_RANGE.match(rng)
            if not m or int(m.group(2)) < int(m.group(1)) or int(m.group(2)) >= meta.size:
                raise InvalidArgument("x-amz-copy-source-range",
                                      f"must be bytes=first-last within the {meta.size}-byte "
                                      "source")
            off, n = int(m.group(1)), int(m.group(2)) - int(m.group(1)) + 1

        async def chunks() -> AsyncIterator[bytes]:
            left = n
            obj.file.seek(off)
            while left > 0:
                b = await run_blocking(obj.file.read, min(left, 8 << 20))
                if not b:
                    return
                left -= len(b)
                yield b

        part = await svc.multipart.put_part(r.bucket, r.key, _upload_id(r), number, chunks(), n)
    finally:
        obj.close()
    return xml(X.render_copy_part(part.md5, part.mtime_ns / 1e9))


async def list_parts(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    parts = svc.multipart.list_parts(r.bucket, r.key, _upload_id(r))
    try:
        marker = int(r.query.get("part-number-marker", "0") or 0)
        max_parts = min(int(r.query.get("max-parts", "1000") or 1000), 1000)
    except ValueError:
        raise InvalidArgument("part-number-marker", "must be an integer") from None
    sel = [p for p in parts if p.number > marker]
    truncated = len(sel) > max_parts
    sel = sel[:max_parts]
    return xml(X.render_list_parts(X.ListParts(
        bucket=r.bucket_name, key=r.key, upload_id=_upload_id(r),
        parts=[X.PartEntry(p.number, p.mtime_ns / 1e9, p.md5, p.size) for p in sel],
        part_number_marker=marker,
        next_part_number_marker=sel[-1].number if truncated and sel else 0,
        max_parts=max_parts, is_truncated=truncated)))


async def list_multipart_uploads(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    props_of(r)
    prefix = r.query.get("prefix", "")
    key_marker = r.query.get("key-marker", "")
    id_marker = r.query.get("upload-id-marker", "")
    try:
        max_uploads = min(int(r.query.get("max-uploads", "1000") or 1000), 1000)
    except ValueError:
        raise InvalidArgument("max-uploads", "must be an integer") from None
    ups = [u for u in svc.multipart.list_uploads(r.bucket, prefix)
           if (u.name, u.upload_id) > (key_marker, id_marker)]
    truncated = len(ups) > max_uploads
    ups = ups[:max_uploads]
    return xml(X.render_list_multipart_uploads(X.ListUploads(
        bucket=r.bucket_name,
        uploads=[X.UploadEntry(u.name, u.upload_id, u.created_ns / 1e9) for u in ups],
        prefix=prefix, key_marker=key_marker, upload_id_marker=id_marker,
        next_key_marker=ups[-1].name if truncated and ups else "",
        next_upload_id_marker=ups[-1].upload_id if truncated and ups else "",
        max_uploads=max_uploads, is_truncated=truncated, encoding_type=r.query.get(
            "encoding-type", ""))))


async def complete_multipart_upload(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    props = props_of(r)
    parts = X.parse_complete_multipart_upload(await read_bounded(r.http, MAX_COMPLETE_BODY),
                                              MAX_COMPLETE_BODY)
    res, etag = await svc.multipart.complete(
        r.bucket, r.key, _upload_id(r), [(p.part_number, p.etag) for p in parts],
        min_part_size=MIN_PART_SIZE, put=svc.remote.put)
    h = {}
    if props["versioning"]["enabled"]:
        h["x-amz-version-id"] = res.meta.version
    location = f"{r.http.scheme}://{r.http.host}{r.http.path}"
    return xml(X.render_complete_multipart_upload(location, r.bucket_name, r.key, etag),
               headers=h)


async def abort_multipart_upload(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    await svc.multipart.abort(r.bucket, r.key, _upload_id(r))
    return empty(204)
