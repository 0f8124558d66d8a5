"""The aiohttp application of a node: routes of every front end, middlewares, app keys."""

from __future__ import annotations

from aiohttp import web

from ..services.context import Services
from ..wire import paths as P
from .errors import NODE_NAME, error_middleware
from .keys import READY, SERVICES
from .native import buckets, cluster, objects
from .s3.router import ROOT_PATTERN, host_middleware
from .s3.router import make_handler as make_s3_handler

# no size cap on streamed object bodies; control bodies are bounded where they are read
CLIENT_MAX_SIZE = 1 << 62


def make_app(services: Services) -> web.Application:
    """Routes, most specific first: native `/v1/...`, S3 under `/s3`, then (`s3_at_root`) S3 at
    `/` for every other path. With `s3_domain` a middleware sends virtual-hosted-style requests
    (`Host: <bucket>.<s3_domain>`, any path) and `Host: <s3_domain>` to S3 ahead of routing."""
    ccfg = services.cfg.cluster
    middlewares = [error_middleware]
    if ccfg.s3_domain:
        middlewares.append(host_middleware(ccfg.s3_domain))
    app = web.Application(middlewares=middlewares, client_max_size=CLIENT_MAX_SIZE,
                          handler_args={"max_field_size": 65536, "max_line_size": 65536})
    app[SERVICES] = services
    app[READY] = [False]
    app[NODE_NAME] = f"t[{services.cluster.target_id}]"
    r = app.router
    r.add_get(P.HEALTH, cluster.health, allow_head=True)
    r.add_get(P.DAEMON, cluster.daemon_get)
    r.add_get(P.CLUSTER, cluster.cluster_get)
    r.add_put(P.CLUSTER, cluster.cluster_put)
    r.add_put(P.CLUSTER + "/{tail}", cluster.cluster_put)
    r.add_get(P.ETL, _empty_list)
    for path in (P.BUCKETS, P.BUCKETS + "/", P.BUCKETS + r"/{tail:[\s\S]+}"):
        r.add_route("GET", path, buckets.get)
        r.add_route("HEAD", path, buckets.head)
        r.add_route("POST", path, buckets.post)
        r.add_route("DELETE", path, buckets.delete)
        r.add_route("PATCH", path, buckets.patch)
    obj = P.OBJECTS + r"/{tail:[\s\S]+}"
    r.add_route("GET", obj, objects.get)
    r.add_route("HEAD", obj, objects.head)
    r.add_route("PUT", obj, objects.put)
    r.add_route("DELETE", obj, objects.delete)
    r.add_route("POST", obj, objects.post)
    r.add_route("PATCH", obj, objects.patch)
    s3 = make_s3_handler(P.S3, ccfg.s3_domain)
    r.add_route("*", P.S3, s3)
    r.add_route("*", P.S3 + r"/{tail:[\s\S]*}", s3)  # not ".*": keys may hold newlines
    if ccfg.s3_at_root:
        r.add_route("*", ROOT_PATTERN, make_s3_handler("", ccfg.s3_domain))
    return app


async def _empty_list(request: web.Request) -> web.Response:
    return web.json_response([])
