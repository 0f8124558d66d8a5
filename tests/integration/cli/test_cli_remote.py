"""`aisctl` (and the client) with remote data: a second aisnode as a remote cluster (attach, show
online/offline, get through `ais://@alias/...`, detach) and a moto-backed `s3://` bucket
(prefetch, evict, cached listings, `backend_bck` read-through).

One moto server and one front node (with the AWS env) serve the whole module; every test uses
its own S3 bucket. The remote cluster's node belongs to the one test that stops it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from aisnode.client import Client, JobProgress
from aisnode.wire import messages as M
from aisnode.wire.bucket import Bucket
from tests.support.backends import AWS_TEST_ENV, ServerProcess, moto_server
from tests.support.server import NodeProcess

from .conftest import Aisctl
from .test_cli import fails, ok, rows


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    m = moto_server(tmp_path_factory.mktemp("moto")).start()
    yield m
    m.stop()


@pytest.fixture(scope="module")
def s3(moto: ServerProcess) -> Any:
    return boto3.client("s3", endpoint_url=moto.url, aws_access_key_id="testing",
                        aws_secret_access_key="testing", region_name="us-east-1")


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory, moto: ServerProcess) -> Iterator[NodeProcess]:
    """The node the CLI talks to; its aws backend is the moto server."""
    n = NodeProcess(tmp_path_factory.mktemp("front") / "data", env={
        **AWS_TEST_ENV, "AWS_ENDPOINT_URL": moto.url, "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull}).start()
    yield n
    n.stop()


@pytest.fixture
def cli(aisctl: Aisctl, front: NodeProcess) -> Aisctl:
    """`aisctl` against the front node."""

    def run(*args: str, **kw: Any) -> Any:
        kw.setdefault("endpoint", front.url)
        return aisctl(*args, **kw)

    return run


@pytest.fixture
def s3_bucket(s3: Any) -> str:
    """A fresh S3 bucket with p-0..p-3 (1000, 2000, 3000, 4000 bytes) and `obj`."""
    name = f"cli-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    for i in range(4):
        s3.put_object(Bucket=name, Key=f"p-{i}", Body=bytes([65 + i]) * (1000 * (i + 1)))
    s3.put_object(Bucket=name, Key="obj", Body=b"hello from s3")
    return name


def cached_names(cli: Aisctl, uri: str) -> list[str]:
    out = ok(cli("ls", uri, "--cached", "--name-only", "-H"))
    return [r[0] for r in rows(out)]


def cached_column(cli: Aisctl, uri: str) -> dict[str, str]:
    t = rows(ok(cli("ls", uri, "--props", "name,size,cached")))
    assert t[0] == ["NAME", "SIZE", "CACHED"]
    return {r[0]: r[2] for r in t[1:]}


def smap_uuid(node: NodeProcess) -> str:
    with urllib.request.urlopen(node.url + "/v1/daemon?what=smap", timeout=5) as r:
        return str(json.loads(r.read())["uuid"])


# --- remote clusters -----------------------------------------------------------------------------
def remote_table(cli: Aisctl) -> dict[str, list[str]]:
    t = rows(ok(cli("show", "remote-cluster")))
    assert t[0] == ["UUID", "URL", "Alias", "Primary", "Smap", "Targets", "Online"]
    return {r[2]: r for r in t[1:]}


def test_remote_cluster_attach_show_get_offline_detach(
    cli: Aisctl, aisctl: Aisctl, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    far = NodeProcess(tmp_path / "far").start()
    request.addfinalizer(far.stop)
    ok(aisctl("create", "ais://rb", endpoint=far.url))
    (tmp_path / "src.txt").write_bytes(b"remote payload")
    ok(aisctl("put", str(tmp_path / "src.txt"), "ais://rb/dir/obj", endpoint=far.url))
    far_uuid = smap_uuid(far)

    out = ok(cli("cluster", "remote-attach", f"far={far.url}"))
    assert out == f"Remote cluster (far={far.url}) successfully attached\n"
    row = remote_table(cli)["far"]
    assert row[0] == far_uuid and row[1] == far.url
    assert re.fullmatch(r"p\[.+\]", row[3]) and re.fullmatch(r"v\d+", row[4])
    assert row[5:] == ["1", "yes"]

    assert cached_column(cli, "ais://@far/rb") == {"dir/obj": "no"}
    assert ok(cli("get", "ais://@far/rb/dir/obj", "-")) == "remote payload"
    assert cached_column(cli, "ais://@far/rb") == {"dir/obj": "yes"}
    assert cached_names(cli, "ais://@far/rb") == ["dir/obj"]
    # the bucket is in the front's bucket map now, under the remote cluster's UUID
    assert f"ais://@{far_uuid}/rb" in ok(cli("ls"))
    assert [r[0] for r in rows(ok(cli("ls", "ais://@far")))[1:]] == [f"ais://@{far_uuid}/rb"]

    far.stop()
    offline = remote_table(cli)["far"]
    assert offline[:6] == row[:6] and offline[6] == "no"  # last known facts
    # the cached copy is served with the remote cluster down
    assert ok(cli("get", "ais://@far/rb/dir/obj", "-")) == "remote payload"

    assert ok(cli("cluster", "remote-detach", "far")) == "Remote cluster far successfully detached\n"
    assert ok(cli("show", "remote-cluster")) == "No remote clusters attached\n"
    assert "not attached" in fails(cli("cluster", "remote-detach", "far"))


def test_remote_attach_several_urls_unreachable_and_usage(cli: Aisctl) -> None:
    r = cli("cluster", "remote-attach", "gone=http://127.0.0.1:9", "gone=127.0.0.1:10")
    assert ok(r) == ("Remote cluster (gone=http://127.0.0.1:9,http://127.0.0.1:10) "
                     "successfully attached\n")
    assert 'remote cluster "gone" is not reachable' in r.stderr.decode()
    try:
        row = remote_table(cli)["gone"]
        assert row == ["n/a", "http://127.0.0.1:9,http://127.0.0.1:10", "gone", "n/a", "n/a",
                       "n/a", "no"]
        shown = json.loads(ok(cli("show", "remote-cluster", "--json")))
        assert [(c["alias"], c["online"]) for c in shown] == [("gone", False)]
    finally:
        ok(cli("cluster", "remote-detach", "gone"))
    assert "expected ALIAS=URL" in fails(cli("cluster", "remote-attach", "gone"), 2)
    assert "expected ALIAS=URL" in fails(cli("cluster", "remote-attach", "=http://x"), 2)


# --- prefetch / evict ----------------------------------------------------------------------------
def test_prefetch_template_then_cached_listing(cli: Aisctl, s3_bucket: str) -> None:
    uri = f"s3://{s3_bucket}"
    assert cached_column(cli, uri) == {"obj": "no", "p-0": "no", "p-1": "no", "p-2": "no",
                                       "p-3": "no"}
    out = ok(cli("prefetch", uri, "--template", "p-{0..3}"))
    assert re.fullmatch(
        rf'prefetch-listrange\[\w+\]: prefetch "p-\{{0\.\.3\}}" from {uri}: done '
        r"\(4 objects, 9\.77KiB\)\n", out), out
    assert cached_names(cli, uri) == ["p-0", "p-1", "p-2", "p-3"]
    assert cached_column(cli, uri) == {"obj": "no", "p-0": "yes", "p-1": "yes", "p-2": "yes",
                                       "p-3": "yes"}
    # cached-only listing with the CACHED column
    t = rows(ok(cli("ls", uri, "--cached", "--props", "name,size,cached")))
    assert t[1:] == [["p-0", "1000B", "yes"], ["p-1", "1.95KiB", "yes"],
                     ["p-2", "2.93KiB", "yes"], ["p-3", "3.91KiB", "yes"]]


def test_evict_list_template_prefix_and_whole_bucket(cli: Aisctl, s3_bucket: str) -> None:
    uri = f"s3://{s3_bucket}"
    ok(cli("prefetch", uri))  # the whole bucket
    assert cached_names(cli, uri) == ["obj", "p-0", "p-1", "p-2", "p-3"]
    out = ok(cli("evict", uri, "--list", "p-0"))
    assert re.fullmatch(rf'evict-listrange\[\w+\]: evict "p-0" from {uri}: done \(1 object\)\n',
                        out), out
    assert cached_names(cli, uri) == ["obj", "p-1", "p-2", "p-3"]
    ok(cli("evict", f"{uri}/p-{{1..2}}"))  # a template in the URI
    assert cached_names(cli, uri) == ["obj", "p-3"]
    ok(cli("evict", f"{uri}/p-"))  # a prefix
    assert cached_names(cli, uri) == ["obj"]

    assert ok(cli("evict", uri, "--keep-md")) == f'"{uri}" bucket evicted (bucket metadata kept)\n'
    assert cached_names(cli, uri) == []
    assert uri in ok(cli("ls", "s3://"))
    assert ok(cli("evict", uri)) == f'"{uri}" bucket evicted\n'
    assert uri not in ok(cli("ls"))


def test_prefetch_evict_usage_and_server_errors(cli: Aisctl, s3_bucket: str) -> None:
    uri = f"s3://{s3_bucket}"
    assert "mutually exclusive" in fails(cli("prefetch", uri, "--list", "a", "--template", "b"), 2)
    assert "--keep-md" in fails(cli("evict", uri, "--list", "p-0", "--keep-md"), 2)
    assert "give the bucket alone" in fails(cli("evict", f"{uri}/p-", "--list", "p-0"), 2)
    bck = f"ais://cli-{uuid.uuid4().hex[:8]}"
    ok(cli("create", bck))
    try:
        assert "remote backend" in fails(cli("prefetch", bck, "--template", "x-{0..1}"))
    finally:
        ok(cli("rmb", bck, "--yes"))


def test_prefetch_no_wait_then_client_wait_with_progress(
    cli: Aisctl, front: NodeProcess, s3_bucket: str
) -> None:
    uri = f"s3://{s3_bucket}"
    out = ok(cli("prefetch", f"{uri}/p-", "--no-wait", "--latest"))
    m = re.fullmatch(rf'prefetch-listrange\[(\w+)\]: prefetch prefix "p-" from {uri}\n', out)
    assert m, out
    job = m.group(1)
    seen: list[JobProgress] = []

    async def main() -> Any:
        async with Client(front.url) as c:
            st = await c.wait_job(job, "prefetch-listrange", timeout=30, progress=seen.append)
            snaps = await c.job_snapshots(job)
            return st, snaps

    st, snaps = asyncio.run(main())
    assert st.end_time and not st.err
    assert seen and seen[-1].objs == 4 and seen[-1].bytes == 10_000
    assert [(s.id, s.kind, s.objs, s.finished) for s in snaps] == [
        (job, "prefetch-listrange", 4, True)]
    assert cached_names(cli, uri) == ["p-0", "p-1", "p-2", "p-3"]


# --- backend_bck and listing all providers -------------------------------------------------------
def test_backend_bck_read_through_and_detach(cli: Aisctl, s3_bucket: str) -> None:
    front_bck = f"ais://front-{uuid.uuid4().hex[:8]}"
    ok(cli("create", front_bck))
    try:
        out = ok(cli("bucket", "props", "set", front_bck, f"backend_bck=s3://{s3_bucket}"))
        assert out.splitlines() == [
            "Bucket props successfully updated",
            f'"backend_bck.name" set to: "{s3_bucket}" (was: "")',
            '"backend_bck.provider" set to: "aws" (was: "")',
        ]
        assert ok(cli("get", f"{front_bck}/obj", "-")) == "hello from s3"
        assert cached_column(cli, front_bck)["obj"] == "yes"
        ok(cli("prefetch", front_bck, "--list", "p-1,p-2"))
        assert cached_names(cli, front_bck) == ["obj", "p-1", "p-2"]

        out = ok(cli("bucket", "props", "set", front_bck, "backend_bck=none"))
        assert f'"backend_bck.name" set to: "" (was: "{s3_bucket}")' in out
        assert "does not exist" in fails(cli("get", f"{front_bck}/p-3", "-"))
        assert "invalid backend_bck" in fails(
            cli("bucket", "props", "set", front_bck, "backend_bck=s3://a/b"), 2)
    finally:
        ok(cli("rmb", front_bck, "--yes"))


def test_ls_lists_buckets_of_all_providers(cli: Aisctl, s3_bucket: str) -> None:
    ais_bck = f"ais://cli-{uuid.uuid4().hex[:8]}"
    ok(cli("create", ais_bck))
    try:
        ok(cli("ls", f"s3://{s3_bucket}"))  # first access adds the bucket
        names = [r[0] for r in rows(ok(cli("ls")))[1:]]
        assert ais_bck in names and f"s3://{s3_bucket}" in names
        s3_only = [r[0] for r in rows(ok(cli("ls", "s3://")))[1:]]
        assert f"s3://{s3_bucket}" in s3_only and ais_bck not in s3_only
        ais_only = [r[0] for r in rows(ok(cli("ls", "ais:")))[1:]]
        assert ais_bck in ais_only and f"s3://{s3_bucket}" not in ais_only
    finally:
        ok(cli("rmb", ais_bck, "--yes"))


def test_client_remote_and_cache_calls(front: NodeProcess, s3_bucket: str) -> None:
    """The client methods directly: attach/list/detach remotes, prefetch/evict, evict bucket."""
    bck = Bucket(s3_bucket, "aws")

    async def main() -> None:
        async with Client(front.url) as c:
            rc = await c.attach_remote("self", [front.url])
            assert rc.online and rc.uuid and rc.targets == 1 and rc.urls == [front.url]
            assert [r.alias for r in await c.remote_clusters()] == ["self"]
            await c.detach_remote("self")
            assert await c.remote_clusters() == []

            job = await c.prefetch(bck, names=["p-0", "obj"])
            st = await c.wait_job(job, timeout=30)
            assert st.end_time and not st.err
            p = await c.job_progress(job)
            assert (p.kind, p.objs, p.bytes) == ("prefetch-listrange", 2, 1000 + 13)
            job = await c.evict(bck, template="p-{0..3}")
            await c.wait_job(job, timeout=30)
            names = [e.n async for e in c.list_objects(bck, flags=M.LS_CACHED)]
            assert names == ["obj"]
            await c.evict_bucket(bck, keep_md=True)
            assert [e.n async for e in c.list_objects(bck, flags=M.LS_CACHED)] == []
            assert bck in await c.list_buckets("aws")
            await c.evict_bucket(bck)
            assert bck not in await c.list_buckets("aws")

    asyncio.run(main())
