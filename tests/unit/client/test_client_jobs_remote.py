"""Client pieces for remote clusters and cache jobs, against a stub aiohttp app (no aisnode):
request shapes (query, ActMsg), reply parsing, and `wait_job` with a progress callback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from aisnode import errors
from aisnode.client import Client, JobProgress, JobSnap, RemoteCluster, selection
from aisnode.wire.bucket import Bucket, Namespace

T = TypeVar("T")


class Stub:
    """Records requests; answers from `replies[(method, path)]` (a value or a callable)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[tuple[str, str]], Any]] = []
        self.replies: dict[tuple[str, str], Any] = {}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        key = (request.method, request.path)
        self.calls.append((request.method, request.path, list(request.query.items()), body))
        reply = self.replies.get(key, "")
        if callable(reply):
            reply = reply(request, body)
        if isinstance(reply, web.StreamResponse):
            return reply
        return web.Response(text=reply if isinstance(reply, str) else json.dumps(reply))


def run_stub(stub: Stub, fn: Callable[[Client], Awaitable[T]]) -> T:
    async def main() -> T:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", stub.handle)
        server = TestServer(app)
        await server.start_server()
        try:
            async with Client(str(server.make_url(""))) as c:
                return await fn(c)
        finally:
            await server.close()

    return asyncio.run(main())


def test_selection_shapes_and_errors() -> None:
    assert selection(names=["a", "b"]) == {"objnames": ["a", "b"]}
    assert selection(template="x-{0..9}") == {"template": "x-{0..9}"}
    assert selection(prefix="dir/") == {"template": "dir/"}
    assert selection(prefix="") == {"template": ""}
    for bad in ({}, {"names": ["a"], "prefix": "p"}, {"template": "t", "prefix": "p"}):
        with pytest.raises(errors.InvalidRequest):
            selection(**bad)
    with pytest.raises(errors.InvalidRequest):
        selection(names="abc")  # type: ignore[arg-type]


def test_remote_cluster_from_json_aisnode_and_upstream_shapes() -> None:
    ours = RemoteCluster.from_json({
        "url": "http://a:1", "urls": ["http://a:1", "http://b:2"], "alias": "far", "uuid": "U1",
        "primary": "p1", "smap": 7, "targets": 3, "online": False, "last_seen_ns": 5})
    assert ours == RemoteCluster("far", "http://a:1", ["http://a:1", "http://b:2"], "U1", "p1",
                                 7, 3, False, 5)
    upstream = RemoteCluster.from_json({
        "url": "http://a:1", "alias": "far", "uuid": "U1",
        "smap": {"version": "12", "proxy_si": {"daemon_id": "px"}, "tmap": {"t1": {}, "t2": {}}}})
    assert (upstream.urls, upstream.primary, upstream.smap_version, upstream.targets,
            upstream.online) == (["http://a:1"], "px", 12, 2, True)
    never = RemoteCluster.from_json({"url": "http://x", "alias": "x"})
    assert (never.online, never.smap_version, never.uuid) == (False, 0, "")


def test_job_snap_and_progress_sum() -> None:
    a = JobSnap.from_json("t1", {
        "id": "J", "kind": "prefetch-listrange", "end-time": "0001-01-01T00:00:00Z",
        "stats": {"loc-objs": "3", "loc-bytes": "300", "in-objs": "3", "out-bytes": "x"}})
    b = JobSnap.from_json("t2", {
        "id": "J", "kind": "prefetch-listrange", "end-time": "2025-01-01T00:00:00Z",
        "is_idle": True, "stats": {"loc-objs": 2, "loc-bytes": 200}, "abort-err": "boom"})
    assert (a.node_id, a.objs, a.bytes, a.in_objs, a.out_bytes, a.finished) == (
        "t1", 3, 300, 3, 0, False)
    assert (b.finished, b.is_idle, b.err) == (True, True, "boom")
    p = JobProgress("J", [a, b])
    assert (p.objs, p.bytes, p.kind) == (5, 500, "prefetch-listrange")
    assert (JobProgress("J").objs, JobProgress("J").kind) == (0, "")


def test_attach_detach_show_requests() -> None:
    stub = Stub()
    stub.replies[("PUT", "/v1/cluster/attach")] = {
        "url": "http://a:1", "urls": ["http://a:1", "http://b:2"], "alias": "far", "uuid": "U",
        "primary": "p", "smap": 2, "targets": 1, "online": True}
    stub.replies[("GET", "/v1/daemon")] = {"a": [{"url": "http://a:1", "alias": "far"}], "ver": 3}

    async def fn(c: Client) -> Any:
        rc = await c.attach_remote("far", ["http://a:1", "http://b:2"])
        await c.detach_remote("far")
        return rc, await c.remote_clusters()

    rc, shown = run_stub(stub, fn)
    assert rc.online and rc.uuid == "U"
    assert [c.alias for c in shown] == ["far"]
    assert [(m, p, q) for m, p, q, _ in stub.calls] == [
        ("PUT", "/v1/cluster/attach",
         [("what", "remote"), ("alias", "far"), ("url", "http://a:1"), ("url", "http://b:2")]),
        ("PUT", "/v1/cluster/detach", [("what", "remote"), ("alias", "far")]),
        ("GET", "/v1/daemon", [("what", "remote")]),
    ]


def test_attach_with_empty_reply_and_argument_errors() -> None:
    stub = Stub()  # upstream AIS answers attach with an empty body

    async def fn(c: Client) -> RemoteCluster:
        for alias, urls in (("", ["http://a"]), ("a", [])):
            with pytest.raises(errors.InvalidRequest):
                await c.attach_remote(alias, urls)
        with pytest.raises(errors.InvalidRequest):
            await c.detach_remote("")
        return await c.attach_remote("far", "http://a:1")

    assert run_stub(stub, fn) == RemoteCluster("far", "http://a:1", ["http://a:1"])


def test_prefetch_evict_request_shapes() -> None:
    stub = Stub()
    stub.replies[("POST", "/v1/buckets/data")] = "J1"
    stub.replies[("DELETE", "/v1/buckets/data")] = '"J2"\n'
    s3 = Bucket("data", "aws")
    remote = Bucket("data", "ais", Namespace("far"))

    async def fn(c: Client) -> list[str]:
        return [
            await c.prefetch(s3, template="p-{0..3}", latest=True, num_workers=8),
            await c.prefetch(s3),
            await c.prefetch(remote, names=["a"], continue_on_error=False),
            await c.evict(s3, prefix="dir/"),
            await c.evict_bucket(s3, keep_md=True),
            await c.evict_bucket(s3),
        ]

    assert run_stub(stub, fn) == ["J1", "J1", "J1", "J2", "J2", "J2"]
    calls = stub.calls
    assert calls[0][2] == [("provider", "aws")]
    assert calls[0][3] == {"action": "prefetch-listrange", "name": "", "value": {
        "template": "p-{0..3}", "coer": True, "latest-ver": True, "num-workers": 8}}
    assert calls[1][3]["value"] == {"template": "", "coer": True}
    assert calls[2][2] == [("provider", "ais"), ("namespace", "@far#")]
    assert calls[2][3]["value"] == {"objnames": ["a"], "coer": False}
    assert calls[3][3] == {"action": "evict-listrange", "name": "", "value": {"template": "dir/"}}
    assert calls[4][2] == [("provider", "aws"), ("keep_bck_md", "true")]
    assert calls[4][3]["action"] == "evict-remote-bck"
    assert calls[5][2] == [("provider", "aws"), ("keep_bck_md", "false")]


def test_wait_job_reports_progress_until_the_end() -> None:
    stub = Stub()
    polls = {"n": 0}

    def status(_: web.Request, body: Any) -> Any:
        assert body["ID"] == "J" and body["Kind"] == "prefetch-listrange"
        polls["n"] += 1
        return {"uuid": "J", "err": "", "end_time": 0 if polls["n"] < 3 else 123,
                "aborted": False}

    def snaps(_: web.Request, body: Any) -> Any:
        n = polls["n"]
        return {"t1": [{"id": "J", "kind": "prefetch-listrange",
                        "stats": {"loc-objs": str(n), "loc-bytes": str(n * 10)}},
                       {"id": "other", "kind": "x", "stats": {"loc-objs": "100"}}]}

    def route(request: web.Request, body: Any) -> Any:
        return status(request, body) if request.query["what"] == "status" else snaps(request, body)

    stub.replies[("GET", "/v1/cluster")] = route
    seen: list[tuple[int, int]] = []

    async def fn(c: Client) -> Any:
        return await c.wait_job("J", "prefetch-listrange", interval=0.01,
                                progress=lambda p: seen.append((p.objs, p.bytes)))

    st = run_stub(stub, fn)
    assert st.end_time == 123
    assert seen == [(1, 10), (2, 20), (3, 30)]  # the last report is after the end


def test_wait_job_progress_survives_snapshot_errors_and_times_out() -> None:
    stub = Stub()

    def route(request: web.Request, body: Any) -> Any:
        if request.query["what"] == "qryxstats":
            return web.json_response({"message": "no such job", "status": 404}, status=404)
        return {"uuid": "J", "end_time": 0}

    stub.replies[("GET", "/v1/cluster")] = route
    seen: list[JobProgress] = []

    async def fn(c: Client) -> None:
        with pytest.raises(TimeoutError):
            await c.wait_job("J", timeout=0.2, interval=0.01, progress=seen.append)

    run_stub(stub, fn)
    assert seen == []
