"""`/v1/objects/<bucket>/<object>`: PUT/GET/HEAD/DELETE, copy, append, custom metadata,
multipart upload (mpt-upload/part/complete/abort)."""

from __future__ import annotations

from email.utils import formatdate

from aiohttp import web

from ...core.storage.local_object import ObjectMeta
from ...errors import InvalidRequest, NotSupported
from ...services.target.objects import PutOptions, etag_of
from ...services.target.remote import StreamedObject
from ...wire import actions as A
from ...wire import headers as H
from ...wire import paths as P
from ...wire import query as Q
from ...wire.bucket import Bucket, parse_uname
from ..file_response import FileSliceResponse, send_stream
from ..http_range import parse_range
from ..keys import SERVICES
from ..request_body import lower_keys, read_action, read_json, stream
from .addressing import bucket_from, split_path

_HEAD_PROPS = {"name", "size", "checksum", "atime", "version", "custom", "location", "copies",
               "ec", "chunked", "last-modified", "etag", "cached", "status", "present", "node"}


def _addr(request: web.Request) -> tuple[Bucket, str]:
    b, name = split_path(request, P.OBJECTS)
    return bucket_from(request, b).validate(), name


def attr_headers(meta: ObjectMeta, props: set[str] | None = None) -> dict[str, str]:
    want = props or {"checksum", "atime", "version", "custom", "etag", "last-modified"}
    h: dict[str, str] = {H.PRESENT: "true"}
    if "checksum" in want and meta.cksum_type:
        h[H.CHECKSUM_TYPE] = meta.cksum_type
        h[H.CHECKSUM_VALUE] = meta.cksum_value
    if "atime" in want:
        h[H.ATIME] = str(meta.atime_ns)
    if "version" in want and meta.version:
        h[H.VERSION] = meta.version
    if "custom" in want and meta.custom:
        h[H.CUSTOM_MD] = ",".join(f"{k}={v}" for k, v in sorted(meta.custom.items()))
    if "etag" in want:
        et = etag_of(meta)
        if et:
            h["ETag"] = f'"{et}"'
    if "last-modified" in want and meta.mtime_ns:
        h["Last-Modified"] = formatdate(meta.mtime_ns / 1e9, usegmt=True)
    if "copies" in want:
        h[H.MIRROR_COPIES] = "1"
    return h


async def get(request: web.Request) -> web.StreamResponse:
    svc = request.app[SERVICES]
    bck, name = _addr(request)
    if "archpath" in request.query or "archregx" in request.query:
        raise NotSupported("reading from archives (archpath/archregx) is not supported yet")
    if request.query.get("etl_name"):
        raise NotSupported("ETL is not supported")
    await svc.buckets.ensure(bck, add=not _dont_add(request))
    range_hdr = request.headers.get("Range")
    got = await svc.remote.get(bck, name, (lambda size: parse_range(range_hdr, size))
                               if range_hdr else None, latest=_latest(request))
    if isinstance(got, StreamedObject):
        return await stream_response(request, got)
    obj = got
    try:
        if svc.objects.props(bck)["checksum"]["validate_warm_get"]:
            await svc.objects.validate(obj)
        meta = obj.meta
        hdrs = attr_headers(meta)
        hdrs["Accept-Ranges"] = "bytes"
        hdrs["Content-Type"] = meta.custom.get("Content-Type", "application/octet-stream")
        rng = parse_range(request.headers.get("Range"), meta.size)
    except BaseException:
        obj.close()
        raise
    if rng is None:
        return FileSliceResponse(obj.file, 0, meta.size, headers=hdrs)
    off, n = rng
    hdrs["Content-Range"] = f"bytes {off}-{off + n - 1}/{meta.size}"
    return FileSliceResponse(obj.file, off, n, status=206, headers=hdrs)


async def head(request: web.Request) -> web.StreamResponse:
    svc = request.app[SERVICES]
    bck, name = _addr(request)
    props = {p.strip() for p in request.query.get(Q.PROPS, "").split(",") if p.strip()}
    bad = props - _HEAD_PROPS
    if bad:
        raise InvalidRequest(f"invalid object property names: {', '.join(sorted(bad))}")
    await svc.buckets.ensure(bck, add=not _dont_add(request))
    meta, present, path = await svc.remote.head(bck, name, latest=_latest(request))
    hdrs = attr_headers(meta, props or None)
    hdrs[H.PRESENT] = "true" if present else "false"
    hdrs[H.OBJ_NAME] = name
    if "location" in props:
        hdrs[H.LOCATION] = f"t[{svc.cluster.target_id}]:{svc.objects.mountpaths.owner(path)}"
    resp = web.StreamResponse(status=200, headers=hdrs)
    resp.content_length = meta.size
    return resp


async def put(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    bck, name = _addr(request)
    await svc.buckets.ensure(bck)
    q = request.query
    if Q.OBJECT_TO in q:
        dst, dst_name = parse_uname(q[Q.OBJECT_TO])
        res = await svc.objects.copy(bck, name, dst.validate(), dst_name or name)
        return web.Response(headers=attr_headers(res.meta))
    if Q.APPEND_TYPE in q:
        kind = q[Q.APPEND_TYPE]
        handle = q.get(Q.APPEND_HANDLE, "")
        if kind == "append":
            handle = await svc.objects.append(bck, name, handle, stream(request))
            return web.Response(headers={H.APPEND_HANDLE: handle})
        if kind == "flush":
            meta = await svc.objects.flush_append(bck, name, handle)
            return web.Response(headers=attr_headers(meta))
        raise InvalidRequest(f'invalid append_type "{kind}"')
    if Q.UPLOAD_ID in q:
        try:
            num = int(q.get(Q.PART_NUMBER, ""))
        except ValueError:
            raise InvalidRequest("partNumber must be an integer") from None
        await svc.multipart.put_part(bck, name, q[Q.UPLOAD_ID], num, stream(request),
                                     request.content_length, md5=False)
        return web.Response()
    ck_type = request.headers.get(H.CHECKSUM_TYPE, "")
    ck_val = request.headers.get(H.CHECKSUM_VALUE, "")
    opts = PutOptions(size=request.content_length,
                      client_cksum=(ck_type.lower(), ck_val) if ck_type and ck_val else None)
    if request.content_length is None and request.headers.get("Transfer-Encoding") is None:
        opts.size = 0
    res = await svc.remote.put(bck, name, stream(request), opts)
    return web.Response(headers=attr_headers(res.meta))


async def delete(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    bck, name = _addr(request)
    await svc.buckets.ensure(bck)
    if Q.UPLOAD_ID in request.query:
        await svc.multipart.abort(bck, name, request.query[Q.UPLOAD_ID])
        return web.Response()
    await svc.remote.delete(bck, name)
    return web.Response()


async def post(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    b, name = split_path(request, P.OBJECTS)
    bck = bucket_from(request, b).validate()
    action, act_name, value = await read_action(request)
    if action == A.MPT_UPLOAD:
        upload_id = await svc.multipart.create(bck, name)
        svc.objects.locate(bck, name)
        return web.Response(text=upload_id)
    if action == A.MPT_COMPLETE:
        upload_id = request.query.get(Q.UPLOAD_ID, "")
        if not isinstance(value, list):
            raise InvalidRequest("mpt-complete: value must be a list of parts")
        parts: dict[int, str] = {}  # the SDK lists a re-sent part twice: last one wins
        for p in value:
            p = lower_keys(p) if isinstance(p, dict) else {}
            try:
                parts[int(p.get("part-number") or p.get("partnumber") or 0)] = str(
                    p.get("etag") or "")
            except (TypeError, ValueError):
                raise InvalidRequest("mpt-complete: invalid part number") from None
        res, _ = await svc.multipart.complete(bck, name, upload_id, sorted(parts.items()),
                                              put=svc.remote.put)
        return web.Response(headers=attr_headers(res.meta))
    if action == A.MPT_ABORT:
        await svc.multipart.abort(bck, name, request.query.get(Q.UPLOAD_ID, ""))
        return web.Response()
    if action == A.RENAME_OBJ:
        if not act_name:
            raise InvalidRequest("rename-obj: missing new name")
        await svc.objects.copy(bck, name, bck, act_name)
        await svc.objects.delete(bck, name)
        return web.Response()
    if action == A.CHECK_LOCK:
        _, path = svc.objects.locate(bck, name)
        return web.Response(status=423 if svc.objects.locks.is_locked(path) else 200)
    if action in (A.PROMOTE, A.BLOB_DOWNLOAD):
        raise NotSupported(f'action "{action}" is not supported yet')
    raise InvalidRequest(f'invalid action "{action}" for POST {bck}/{name}')


async def patch(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    bck, name = _addr(request)
    doc = await read_json(request)
    value = lower_keys(doc).get("value") if isinstance(doc, dict) else None
    if not isinstance(value, dict):
        raise InvalidRequest("expected custom metadata as a JSON object in the action value")
    md = {str(k): str(v) for k, v in value.items()}
    replace = request.query.get(Q.SET_NEW_CUSTOM, "").lower() == "true"
    meta = await svc.objects.set_custom(bck, name, md, replace)
    return web.Response(headers=attr_headers(meta))


def _latest(request: web.Request) -> bool:
    return request.query.get(Q.LATEST_VER, "").lower() == "true"


def _dont_add(request: web.Request) -> bool:
    return request.query.get(Q.DONT_ADD_REMOTE, "").lower() == "true"


async def stream_response(request: web.Request, got: StreamedObject) -> web.StreamResponse:
    """A cold GET or a pass-through range (see `send_stream`)."""
    a = got.attrs
    meta = got.meta or ObjectMeta(name="", size=got.total, version=a.version,
                                  mtime_ns=a.last_modified_ns)
    hdrs = attr_headers(meta, {"version", "custom", "etag", "last-modified"})
    hdrs[H.PRESENT] = "false"
    hdrs["Accept-Ranges"] = "bytes"
    hdrs["Content-Type"] = a.content_type or "application/octet-stream"
    status = 200
    if got.is_range:
        status = 206
        hdrs["Content-Range"] = f"bytes {got.offset}-{got.offset + got.size - 1}/{got.total}"
    resp = web.StreamResponse(status=status, headers=hdrs)
    resp.content_length = got.size
    return await send_stream(request, resp, got.chunks)
