"""A second aisnode as a remote cluster: attach/detach/show (online and offline), buckets
addressed `ais://@alias/b` and `ais://@uuid/b` with cold GET, caching and write-through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aistore.sdk import Client

from tests.support.http import raw as call
from tests.support.server import NodeProcess


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    remote = NodeProcess(tmp_path / "remote").start()
    local = NodeProcess(tmp_path / "local").start()
    yield local, remote
    local.stop()
    remote.stop()



def show(node: NodeProcess) -> list[dict]:
    st, body, _ = call(node, "GET", "/v1/daemon?what=remote")
    assert st == 200, body
    return json.loads(body)["a"]


def test_attach_show_cold_get_detach(pair) -> None:
    local, remote = pair
    rc = Client(remote.url)
    rb = rc.bucket("shared").create()
    rb.object("a/1.txt").get_writer().put_content(b"from the remote cluster")
    remote_uuid = rc.cluster().get_uuid()

    st, body, _ = call(local, "PUT", f"/v1/cluster/attach?what=remote&alias=far&url={remote.url}")
    assert st == 200, body
    [info] = show(local)
    assert info["alias"] == "far" and info["uuid"] == remote_uuid and info["online"]
    assert info["targets"] == 1 and info["url"] == remote.url

    # ais://@far/shared through the native API (namespace @far)
    st, body, _ = call(local, "GET", "/v1/objects/shared/a/1.txt?provider=ais&namespace=@far")
    assert st == 200 and body == b"from the remote cluster"
    # the same bucket by UUID, now cached
    lc = Client(local.url)
    from aistore.sdk.namespace import Namespace

    b = lc.bucket("shared", namespace=Namespace(uuid=remote_uuid))
    entries = b.list_all_objects(props="name,size,cached")
    assert [(e.name, e.is_cached()) for e in entries] == [("a/1.txt", True)]
    # write-through
    b.object("b/2.txt").get_writer().put_content(b"written via local")
    assert rb.object("b/2.txt").get_reader().read_all() == b"written via local"

    # offline: still shown, with its last known facts; cached data still served
    remote.stop()
    [info] = show(local)
    assert not info["online"] and info["uuid"] == remote_uuid
    st, body, _ = call(local, "GET", "/v1/objects/shared/a/1.txt?provider=ais&namespace=@far")
    assert st == 200 and body == b"from the remote cluster"
    st, body, _ = call(local, "GET",
                       "/v1/objects/shared/not-cached?provider=ais&namespace=@far")
    assert st in (502, 503), body

    st, _, _ = call(local, "PUT", "/v1/cluster/detach?what=remote&alias=far")
    assert st == 200
    assert show(local) == []
    st, _, _ = call(local, "PUT", "/v1/cluster/detach?what=remote&alias=far")
    assert st == 404


def test_attach_unreachable_and_reattach_refreshes(pair, tmp_path: Path) -> None:
    local, remote = pair
    st, body, _ = call(local, "PUT", "/v1/cluster/attach?what=remote&alias=nowhere"
                       "&url=http://127.0.0.1:9")
    assert st == 200, body
    [info] = show(local)
    assert info["alias"] == "nowhere" and not info["online"]
    st, body, _ = call(local, "PUT",
                       f"/v1/cluster/attach?what=remote&alias=nowhere&url={remote.url}")
    assert st == 200
    [info] = show(local)
    assert info["online"] and info["uuid"]
    st, body, _ = call(local, "PUT", "/v1/cluster/attach?what=remote&alias=bad&url=ftp://x")
    assert st == 400


def test_upstream_attach_form_and_uuid_reattach(pair) -> None:
    """`api.AttachRemoteAIS` sends `?what=remote&<alias>=<url>`; re-attaching by UUID keeps
    the alias."""
    local, remote = pair
    st, body, _ = call(local, "PUT", f"/v1/cluster/attach?what=remote&up={remote.url}")
    assert st == 200, body
    [info] = show(local)
    assert info["alias"] == "up" and info["online"]
    st, _, _ = call(local, "PUT", f"/v1/cluster/attach?what=remote&{info['uuid']}={remote.url}")
    assert st == 200
    assert [c["alias"] for c in show(local)] == ["up"]
    st, _, _ = call(local, "PUT", "/v1/cluster/detach?what=remote&up=")
    assert st == 200 and show(local) == []
