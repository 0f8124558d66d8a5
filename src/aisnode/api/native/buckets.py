"""`/v1/buckets[/<name>]`: list buckets, list objects (msgpack pages), create/destroy, props,
summary/info, multi-object jobs."""

from __future__ import annotations

import json
from email.utils import formatdate
from collections.abc import Callable
from typing import Any

import msgspec
from aiohttp import web

from ...backends.base import RemoteEntry
from ...core.storage.local_object import ObjectMeta
from ...errors import InvalidRequest, NotSupported
from ...services.context import Services
from ...services.proxy.multi_object import Selection
from ...services.target.listing import ListedItem, ListRequest, parse_props
from ...wire import messages as m
from ...wire import actions as A
from ...wire import headers as H
from ...wire import paths as P
from ...wire import query as Q
from ...wire.bucket import Bucket, Namespace, normalize_provider, parse_uname
from ..keys import SERVICES
from ..request_body import lower_keys, read_action
from .addressing import bucket_from, split_path

_msgpack = msgspec.msgpack.Encoder()


def _text(s: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=s)


def _bucket(request: web.Request) -> tuple[Bucket, str]:
    name, rest = split_path(request, P.BUCKETS)
    return bucket_from(request, name), rest


async def get(request: web.Request) -> web.StreamResponse:
    svc = request.app[SERVICES]
    bck, _ = _bucket(request)
    action, _, value = await read_action(request)
    if not bck.name or (action == A.LIST and value is None):
        provider = request.query.get(Q.PROVIDER) or None
        if provider:
            provider = bucket_from(request, "").provider
        buckets = svc.buckets.list(provider)
        return web.json_response([b.to_json() for b in buckets])
    if action in (A.LIST, ""):
        return await _list_objects(request, svc, bck, value or {})
    if action == A.SUMMARY:
        return await _summary(svc, bck, lower_keys(value or {}))
    raise InvalidRequest(f'invalid action "{action}" for GET {bck}')


async def _list_objects(request: web.Request, svc: Services, bck: Bucket,
                        msg: dict[str, Any]) -> web.StreamResponse:
    msg = lower_keys(msg)
    try:
        flags = int(msg.get("flags") or 0)
        page_size = int(msg.get("pagesize") or 0)
    except (TypeError, ValueError):
        raise InvalidRequest("list objects: flags and pagesize must be integers") from None
    await svc.buckets.ensure(bck.validate(), add=not flags & m.LS_DONT_ADD_REMOTE)
    props = parse_props(str(msg.get("props") or ""))
    uuid = str(msg.get("uuid") or "") or "ls-" + bck.name
    if svc.remote.backed(bck) is not None and not flags & m.LS_CACHED:
        rows, token = await svc.remote.list_page(
            bck, str(msg.get("prefix") or ""), str(msg.get("continuation_token") or ""),
            page_size)
        entries = [_remote_entry(e, meta, props) for e, meta in rows]
        return _page(request, uuid, token, entries)
    name_only = bool(flags & (m.LS_NAME_ONLY | m.LS_NAME_SIZE)) or props <= {"name", "size"}
    req = ListRequest(
        prefix=str(msg.get("prefix") or ""),
        start_after=str(msg.get("start_after") or ""),
        token=str(msg.get("continuation_token") or ""),
        page_size=page_size,
        one_level=bool(flags & m.LS_NO_RECURSION),
        with_meta=not name_only,
    )
    res = await svc.lister.list(bck, req)
    entries = [_entry(it, props, flags, svc.cluster.target_id, svc.objects.mountpaths.owner)
               for it in res.items if not (it.is_dir and flags & m.LS_NO_DIRS)]
    return _page(request, uuid, res.token, entries)


def _page(request: web.Request, uuid: str, token: str,
          entries: list[m.ListEntry]) -> web.Response:
    if "msgpack" in request.headers.get("Accept", ""):
        page = {"UUID": uuid, "ContinuationToken": token, "Entries": entries, "Flags": 0}
        return web.Response(body=_msgpack.encode(page), content_type="application/msgpack")
    doc = {
        "uuid": uuid, "continuation_token": token, "flags": 0,
        "entries": [{"name": e.n, "checksum": e.cs, "atime": e.a, "version": e.v,
                     "location": e.t, "custom-md": e.m, "size": e.s, "copies": e.c,
                     "flags": e.f} for e in entries],
    }
    return web.json_response(doc)


def _entry(it: ListedItem, props: set[str], flags: int, node_id: str,
           mountpath_of: Callable[[str], str] = lambda p: "") -> m.ListEntry:
    """An item as AIS's list entry (LsoEnt), filled per requested props."""
    if it.is_dir:
        return m.ListEntry(n=it.name, f=m.ENTRY_IS_DIR | m.ENTRY_CACHED)
    e = m.ListEntry(n=it.name, f=m.ENTRY_CACHED)
    if flags & m.LS_NAME_ONLY:
        return e
    if "size" in props:
        e.s = it.size
    meta = it.meta
    if meta is None:
        return e
    if "checksum" in props:
        e.cs = meta.cksum_value
    if "atime" in props and meta.atime_ns:
        e.a = formatdate(meta.atime_ns / 1e9, usegmt=True)
    if "version" in props:
        e.v = meta.version
    if "location" in props:
        e.t = f"t[{node_id}]:{mountpath_of(it.path)}"
    if "copies" in props:
        e.c = 1
    if "custom" in props and meta.custom:
        e.m = ", ".join(f"{k}={v}" for k, v in sorted(meta.custom.items()))
    return e


def _remote_entry(e: RemoteEntry, meta: ObjectMeta | None, props: set[str]) -> m.ListEntry:
    """A backend listing entry, marked cached (flag 64) when a local copy exists."""
    out = m.ListEntry(n=e.name, s=e.size if "size" in props else 0,
                      f=m.ENTRY_CACHED if meta is not None else 0)
    if "version" in props:
        out.v = e.version
    if meta is not None:
        if "checksum" in props:
            out.cs = meta.cksum_value
        if "atime" in props and meta.atime_ns:
            out.a = formatdate(meta.atime_ns / 1e9, usegmt=True)
    custom = {}
    if "etag" in props and e.etag:
        custom["ETag"] = e.etag
    if "last-modified" in props and e.last_modified_ns:
        custom["LastModified"] = formatdate(e.last_modified_ns / 1e9, usegmt=True)
    if custom:
        out.m = ", ".join(f"{k}={v}" for k, v in custom.items())
    return out


async def _summary(svc: Services, bck: Bucket, msg: dict[str, Any]) -> web.Response:
    job_id = str(msg.get("uuid") or "")
    if job_id:
        job = svc.jobs.get(job_id)
        if not job.finished:
            return _text(json.dumps(job_id), 202)
        if job.err:
            raise InvalidRequest(job.err)
        return web.json_response([job.result])
    svc.buckets.head(bck.validate())
    prefix = str(msg.get("prefix") or "")

    async def run(job: Any) -> None:
        job.result = await svc.buckets.summary(bck, prefix)

    job = svc.jobs.start(A.SUMMARY, run, bck=bck)
    return _text(json.dumps(job.id), 202)


async def head(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    bck, prefix = _bucket(request)
    props = await svc.buckets.ensure(bck, add=request.query.get(Q.DONT_ADD_REMOTE) != "true")
    hdrs = {H.BUCKET_PROPS: json.dumps(props)}
    job_id = request.query.get(Q.UUID, "").strip('"')
    if job_id:
        job = svc.jobs.get(job_id)
        if not job.finished:
            return web.Response(status=202, headers={**hdrs, H.XACTION_ID: job_id})
        hdrs[H.BUCKET_SUMM] = json.dumps(job.result or {})
        return web.Response(status=200, headers=hdrs)
    if Q.PRESENCE in request.query:

        async def run(job: Any) -> None:
            job.result = await svc.buckets.summary(bck, prefix)

        job = svc.jobs.start(A.SUMMARY, run, bck=bck)
        return web.Response(status=202, headers={**hdrs, H.XACTION_ID: job.id})
    return web.Response(status=200, headers=hdrs)


async def post(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    bck, _ = _bucket(request)
    action, _, value = await read_action(request)
    if action == A.CREATE_BCK:
        if value is not None and not isinstance(value, dict):
            raise InvalidRequest("create-bck: props must be a JSON object")
        await svc.buckets.create(bck, value or None)
        return web.Response()
    bck.validate()
    v = lower_keys(value or {})
    if action in (A.COPY_BCK, A.MOVE_BCK):
        dst, _ = parse_uname(request.query.get(Q.BCK_TO, ""))
        dst.validate()
        if action == A.MOVE_BCK:
            job = await svc.multi.rename_bucket(bck, dst)
        else:
            job = await svc.multi.copy_bucket(
                bck, dst, str(v.get("prefix") or ""), str(v.get("prepend") or ""),
                bool(v.get("dry_run")))
        return _text(job.id)
    if action == A.COPY_OBJECTS:
        to = lower_keys(v.get("tobck") or {})
        ns = lower_keys(to.get("namespace") or {})
        dst = Bucket(str(to.get("name") or ""), normalize_provider(str(to.get("provider") or "")),
                     Namespace(str(ns.get("uuid") or ""), str(ns.get("name") or "")))
        job = svc.multi.copy(bck, dst.validate(), Selection(v), str(v.get("prepend") or ""),
                             dry_run=bool(v.get("dry_run")))
        return _text(job.id)
    if action == A.PREFETCH_OBJECTS:
        await svc.buckets.ensure(bck)
        job = svc.multi.prefetch(bck, Selection(v), latest=bool(v.get("latest-ver")),
                                 continue_on_error=bool(v.get("coer", True)),
                                 workers=int(v.get("num-workers") or 4))
        return _text(job.id)
    if action in ("archive", "etl-bck", "etl-listrange"):
        raise NotSupported(f'action "{action}" is not supported yet')
    raise InvalidRequest(f'invalid action "{action}" for POST {bck}')


async def delete(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    bck, _ = _bucket(request)
    action, _, value = await read_action(request)
    if action in (A.DESTROY_BCK, ""):
        await svc.buckets.destroy(bck)
        return web.Response()
    if action == A.DELETE_OBJECTS:
        job = svc.multi.delete(bck.validate(), Selection(value if isinstance(value, dict)
                                                          else None))
        return _text(job.id)
    if action == A.EVICT_OBJECTS:
        await svc.buckets.ensure(bck.validate())
        job = svc.multi.evict(bck, Selection(value if isinstance(value, dict) else None))
        return _text(job.id)
    if action == A.EVICT_REMOTE_BCK:
        keep = request.query.get(Q.KEEP_BCK_MD, "").lower() == "true"
        await svc.multi.evict_bucket(bck.validate(), keep)
        return web.Response()
    raise InvalidRequest(f'invalid action "{action}" for DELETE {bck}')


async def patch(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    bck, _ = _bucket(request)
    action, _, value = await read_action(request)
    if action == A.SET_BPROPS:
        if not isinstance(value, dict):
            raise InvalidRequest("set-bprops: value must be a JSON object of properties")
        await svc.buckets.set_props(bck, value)
        return web.Response()
    if action == A.RESET_BPROPS:
        await svc.buckets.reset_props(bck)
        return web.Response()
    raise InvalidRequest(f'invalid action "{action}" for PATCH {bck}')
