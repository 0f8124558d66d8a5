"""S3 object operations: PutObject (with conditional writes: If-None-Match `*`, If-Match),
GetObject, HeadObject, DeleteObject, CopyObject, DeleteObjects, GetObjectAcl."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from ...core.storage.local_object import ObjectMeta
from ...errors import AisError, InvalidRequest, NotFound, ObjectNotFound
from ...services.target.objects import PutOptions
from ...services.target.remote import StreamedObject
from ...wire.bucket import Bucket
from ..errors import lookup
from ..file_response import FileSliceResponse, send_stream
from ..http_range import parse_range
from ..keys import SERVICES
from ..request_body import read_bounded
from . import xml as X
from .body import open_body
from .buckets import MAX_XML_BODY, acl_document, props_of
from .object_headers import (
    check_conditions,
    check_write_conditions,
    has_write_conditions,
    metadata_from_request,
    response_headers,
    s3_etag,
)
from .request import S3Request
from .responses import empty, request_id, xml

_OVERRIDES = {"response-content-type": "Content-Type",
              "response-content-language": "Content-Language",
              "response-expires": "Expires", "response-cache-control": "Cache-Control",
              "response-content-disposition": "Content-Disposition",
              "response-content-encoding": "Content-Encoding"}


class NoSuchVersion(NotFound):
    def __init__(self, key: str, version: str) -> None:
        super().__init__(f"the specified version {version!r} of {key!r} does not exist")
        self.s3_code = "NoSuchVersion"


def version_id(meta: ObjectMeta, versioned: bool) -> str:
    return meta.version if versioned and meta.version else "null"


def _check_version(r: S3Request, meta: ObjectMeta, versioned: bool) -> None:
    want = r.query.get("versionId")
    if want is not None and want != version_id(meta, versioned):
        raise NoSuchVersion(r.key, want)


async def put_object(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    props = props_of(r)
    body = open_body(r)
    opts = PutOptions(size=body.size, client_cksum=body.content_md5,
                      custom=metadata_from_request(r.headers), etag_hash="md5",
                      late_custom=body.stored)
    if has_write_conditions(r.headers):
        bck, key, hdrs = r.bucket, r.key, r.headers
        _check_write(r)  # before the body is read, and again under the lock before publishing

        def recheck(current: ObjectMeta | None) -> None:
            if not check_write_conditions(hdrs, current):
                raise ObjectNotFound(str(bck), key)

        opts.check = recheck
    res = await svc.remote.put(r.bucket, r.key, body.chunks, opts)
    h = {"ETag": f'"{s3_etag(res.meta)}"', **body.checksums}
    if props["versioning"]["enabled"]:
        h["x-amz-version-id"] = res.meta.version
    return empty(headers=h)


def _check_write(r: S3Request) -> None:
    """If-None-Match / If-Match of a PUT against the current object."""
    try:
        meta: ObjectMeta | None = r.http.app[SERVICES].objects.stat(r.bucket, r.key)[0]
    except ObjectNotFound:
        meta = None
    if not check_write_conditions(r.headers, meta):
        raise ObjectNotFound(str(r.bucket), r.key)


async def get_object(r: S3Request) -> web.StreamResponse:
    return await _read(r, head=False)


async def head_object(r: S3Request) -> web.StreamResponse:
    return await _read(r, head=True)


async def _read(r: S3Request, head: bool) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    versioned = props_of(r)["versioning"]["enabled"]
    range_hdr = r.headers.get("Range")
    if head and svc.remote.backed(r.bucket) is not None:
        meta, _, _ = await svc.remote.head(r.bucket, r.key)
        check_conditions(r.headers, meta)
        h = response_headers(meta, versioned, False)
        h["x-amz-request-id"] = request_id()
        resp = web.StreamResponse(status=200, headers=h)
        resp.content_length = meta.size
        return resp
    got = await svc.remote.get(r.bucket, r.key, (lambda size: parse_range(range_hdr, size))
                               if range_hdr else None)
    if isinstance(got, StreamedObject):
        return await _stream(r, got, versioned)
    obj = got
    try:
        meta = obj.meta
        _check_version(r, meta, versioned)
        check_conditions(r.headers, meta)
        mode = r.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"
        h = response_headers(meta, versioned, mode)
        for q, hdr in _OVERRIDES.items():
            if q in r.query:
                h[hdr] = r.query[q]
        h["x-amz-request-id"] = request_id()
        if "partNumber" in r.query:
            if r.query["partNumber"] != "1":
                raise InvalidRequest("partNumber: only part 1 of a stored object can be read")
            h["x-amz-mp-parts-count"] = "1"
        rng = parse_range(r.headers.get("Range"), meta.size)
    except BaseException:
        obj.close()
        raise
    if rng is None:
        if head:
            obj.close()
            resp = web.StreamResponse(status=200, headers=h)
            resp.content_length = meta.size
            return resp
        return FileSliceResponse(obj.file, 0, meta.size, headers=h)
    off, n = rng
    for k in [k for k in h if k.startswith("x-amz-checksum-")]:
        del h[k]
    h["Content-Range"] = f"bytes {off}-{off + n - 1}/{meta.size}"
    if head:
        obj.close()
        resp = web.StreamResponse(status=206, headers=h)
        resp.content_length = n
        return resp
    return FileSliceResponse(obj.file, off, n, status=206, headers=h)


async def delete_object(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    versioned = props_of(r)["versioning"]["enabled"]
    h: dict[str, str] = {}
    try:
        if "versionId" in r.query:
            meta, _ = svc.objects.stat(r.bucket, r.key)
            if r.query["versionId"] != version_id(meta, versioned):
                return empty(204)
            h["x-amz-version-id"] = r.query["versionId"]
        await svc.remote.delete(r.bucket, r.key)
    except ObjectNotFound:
        pass  # S3 deletes are idempotent
    return empty(204, h)


def copy_source(r: S3Request) -> tuple[Bucket, str, str | None]:
    """(bucket, key, versionId) of `x-amz-copy-source` (`/b/k`, `b/k`, `?versionId=`)."""
    src = r.headers["x-amz-copy-source"]
    path, _, q = src.partition("?")
    path = unquote(path).lstrip("/")
    b, _, key = path.partition("/")
    if not b or not key:
        raise InvalidRequest("x-amz-copy-source must be /bucket/key")
    version = None
    if q.startswith("versionId="):
        version = unquote(q[len("versionId="):])
    return Bucket(b).validate(), key, version


async def copy_object(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    props = props_of(r)
    src, src_key, src_version = copy_source(r)
    src_versioned = svc.buckets.head(src)["versioning"]["enabled"]
    directive = r.headers.get("x-amz-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise InvalidRequest("x-amz-metadata-directive must be COPY or REPLACE")
    if src == r.bucket and src_key == r.key and directive == "COPY":
        raise InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect location "
            "or encryption attributes.")

    def check(meta: ObjectMeta) -> None:
        if src_version is not None and src_version != version_id(meta, src_versioned):
            raise NoSuchVersion(src_key, src_version)
        check_conditions(r.headers, meta, prefix="x-amz-copy-source-if-", read=False)

    if svc.remote.backed(src) is not None and not svc.remote.is_cached(src, src_key):
        await svc.remote.fetch(src, src_key)
    custom = metadata_from_request(r.headers) if directive == "REPLACE" else None
    if custom is None:
        meta, _ = svc.objects.stat(src, src_key)
        custom = {k: v for k, v in meta.custom.items() if k != "ETag"}
    res = await svc.objects.copy(src, src_key, r.bucket, r.key, custom=custom, etag_hash="md5",
                                 check=check)
    h = {}
    if props["versioning"]["enabled"]:
        h["x-amz-version-id"] = res.meta.version
    return xml(X.render_copy_object(s3_etag(res.meta), res.meta.mtime_ns / 1e9), headers=h)


async def delete_objects(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    versioned = props_of(r)["versioning"]["enabled"]
    req = X.parse_delete(await read_bounded(r.http, MAX_XML_BODY), MAX_XML_BODY)
    deleted: list[X.Deleted] = []
    errors: list[X.DeleteError] = []
    for o in req.objects:
        try:
            if o.version_id:
                try:
                    meta, _ = svc.objects.stat(r.bucket, o.key)
                    if o.version_id != version_id(meta, versioned):
                        deleted.append(X.Deleted(o.key, o.version_id))
                        continue
                except ObjectNotFound:
                    deleted.append(X.Deleted(o.key, o.version_id))
                    continue
            await svc.remote.delete(r.bucket, o.key)
            deleted.append(X.Deleted(o.key, o.version_id))
        except ObjectNotFound:
            deleted.append(X.Deleted(o.key, o.version_id))
        except AisError as e:
            _, code = lookup(e)
            errors.append(X.DeleteError(o.key, code, e.message, o.version_id))
    return xml(X.render_delete_result(deleted, errors, req.quiet))


async def get_object_acl(r: S3Request) -> web.StreamResponse:
    svc = r.http.app[SERVICES]
    svc.objects.stat(r.bucket, r.key)
    return xml(acl_document())


from ..errors import register as _register  # noqa: E402

_register(NoSuchVersion, 404, "NoSuchVersion")


async def _stream(r: S3Request, got: StreamedObject, versioned: bool) -> web.StreamResponse:
    """A body still arriving from a backend (cold GET or pass-through range); a failure after
    the headers aborts the connection so the client sees a short body, not a complete 200."""
    a = got.attrs
    meta = got.meta or ObjectMeta(name=r.key, size=got.total, version=a.version,
                                  mtime_ns=a.last_modified_ns, custom={"ETag": a.etag})
    if not meta.mtime_ns:
        meta.mtime_ns = a.last_modified_ns
    check_conditions(r.headers, meta)
    h = response_headers(meta, versioned, False)
    if a.content_type:
        h["Content-Type"] = a.content_type
    h["x-amz-request-id"] = request_id()
    status = 200
    if got.is_range:
        status = 206
        h["Content-Range"] = f"bytes {got.offset}-{got.offset + got.size - 1}/{got.total}"
    resp = web.StreamResponse(status=status, headers=h)
    resp.content_length = got.size
    return await send_stream(r.http, resp, got.chunks)
