"""`/v1/health`, `/v1/daemon`, `/v1/cluster`: node and cluster info, job status and control."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ...errors import InvalidRequest, NotSupported
from ...wire import actions as A
from ...wire import query as Q
from ..keys import READY, SERVICES
from ..request_body import lower_keys, read_action, read_json


def _json(doc: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(doc), content_type="application/json")


async def health(request: web.Request) -> web.Response:
    if not request.app[READY][0]:
        return web.Response(status=503)
    return web.Response(status=200)


async def daemon_get(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    what = request.query.get(Q.WHAT, "")
    if what == Q.WHAT_SMAP:
        return _json(svc.cluster.smap())
    if what in (Q.WHAT_CONFIG, Q.WHAT_CLUSTER_CONFIG):
        return _json(svc.cfg.cluster.to_json())
    if what == Q.WHAT_SNODE:
        return _json(svc.cluster.smap()["proxy_si"])
    if what in (Q.WHAT_NODE_STATS, Q.WHAT_SYS_INFO, "stats"):
        return _json(svc.cluster.node_status())
    if what == "bmd":
        return _json({"version": str(svc.buckets.map.version), "uuid": svc.buckets.map.uuid})
    if what == "remote":
        clusters = await svc.remotes.show()
        return _json({"a": [c.to_json() for c in clusters], "ver": svc.remotes.version})
    raise InvalidRequest(f'invalid what="{what}"')


async def cluster_get(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    what = request.query.get(Q.WHAT, "")
    if what == Q.WHAT_CLUSTER_CONFIG or what == Q.WHAT_CONFIG:
        return _json(svc.cfg.cluster.to_json())
    if what == Q.WHAT_SMAP:
        return _json(svc.cluster.smap())
    if what in (Q.WHAT_STATUS, Q.WHAT_STATUS_ALL, Q.WHAT_RUNNING_ALL, Q.WHAT_QUERY_XSTATS):
        msg = lower_keys(await read_json(request) or {})
        job_id = str(msg.get("id") or "")
        kind = str(msg.get("kind") or "")
        if what == Q.WHAT_STATUS:
            if not job_id:
                raise InvalidRequest("job status: missing job id")
            return _json(svc.jobs.get(job_id).status())
        running = what == Q.WHAT_RUNNING_ALL or bool(msg.get("show_active"))
        jobs = svc.jobs.find(job_id, kind, only_running=running)
        if what == Q.WHAT_QUERY_XSTATS:
            if job_id and not jobs:
                svc.jobs.get(job_id)  # raises JobNotFound
            return _json({svc.cluster.target_id: [j.snap() for j in jobs]})
        if what == Q.WHAT_RUNNING_ALL:
            return _json([f"{j.kind}[{j.id}]" for j in jobs])
        return _json([j.status() for j in jobs] or None)
    if what in (Q.WHAT_NODE_STATS, "stats", Q.WHAT_SYS_INFO):
        return _json({svc.cluster.target_id: svc.cluster.node_status()})
    raise InvalidRequest(f'invalid what="{what}"')


async def cluster_put(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    tail = request.match_info.get("tail", "")
    if tail in ("attach", "detach"):
        return await _remote_attach_detach(request, tail)
    action, _, value = await read_action(request)
    if action == A.STOP:
        v = lower_keys(value or {})
        if v.get("id"):
            svc.jobs.abort(str(v["id"]))
        else:
            for j in svc.jobs.find(kind=str(v.get("kind") or ""), only_running=True):
                svc.jobs.abort(j.id)
        return web.Response()
    if action == A.START:
        raise NotSupported(f'starting jobs of kind "{lower_keys(value or {}).get("kind")}" is '
                           "not supported")
    raise InvalidRequest(f'invalid cluster action "{action}"')


async def _remote_attach_detach(request: web.Request, op: str) -> web.Response:
    """`PUT /v1/cluster/attach?what=remote&alias=A&url=U[&url=U2]`, `.../detach?alias=A`."""
    svc = request.app[SERVICES]
    if request.query.get(Q.WHAT, "remote") != "remote":
        raise InvalidRequest(f'{op}: only what=remote is supported')
    alias = request.query.get("alias", "")
    urls = request.query.getall("url", [])
    if not alias:  # the upstream AIS form: `?what=remote&<alias>=<url>` (detach: `<alias>=`)
        pairs = [(k, v) for k, v in request.query.items() if k not in (Q.WHAT, "alias", "url")]
        if pairs:
            alias = pairs[0][0]
            urls = [v for k, v in pairs if k == alias and v]
    if op == "detach":
        c = svc.remotes.detach(alias)
        return _json(c.to_json())
    if not urls:
        raise InvalidRequest("attach: at least one url= is required")
    c = await svc.remotes.attach(alias, urls)
    return _json(c.to_json())
