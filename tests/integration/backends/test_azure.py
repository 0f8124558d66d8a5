"""azure:// (az://) backend against a real Azurite: first access, cold/warm GET, version
validation, synchronize, write-through PUT/DELETE, cold range, streaming memory, backend down."""

from __future__ import annotations

import hashlib
import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aistore.sdk import Client
from aistore.sdk.list_object_flag import ListObjectFlag

from tests.support.backends import (
    ServerProcess,
    azurite,
    azurite_connection_string,
    azurite_env,
    azurite_exe,
)
from tests.support.http import raw
from tests.support.http import set_props as props
from tests.support.server import NodeProcess

blob = pytest.importorskip("azure.storage.blob")

if azurite_exe() is None:
    pytest.skip("Azurite is not installed (`make node-deps` puts it in tests/node; needs node)",
                allow_module_level=True)


def _node(root: Path, az: ServerProcess) -> NodeProcess:
    return NodeProcess(root / "ais", env=azurite_env(az)).start()


def _client(az: ServerProcess):
    return blob.BlobServiceClient.from_connection_string(azurite_connection_string(az))


@pytest.fixture(scope="module")
def az(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    a = azurite(tmp_path_factory.mktemp("azurite")).start()
    yield a
    a.stop()


@pytest.fixture(scope="module")
def svc(az: ServerProcess):
    return _client(az)


@pytest.fixture(scope="module")
def aisn(tmp_path_factory: pytest.TempPathFactory, az: ServerProcess) -> Iterator[NodeProcess]:
    n = _node(tmp_path_factory.mktemp("aisn"), az)
    yield n
    n.stop()


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[ServerProcess, NodeProcess, object]]:
    """An Azurite and a node of the test's own (for tests that stop the backend)."""
    a = azurite(tmp_path).start()
    n = _node(tmp_path, a)
    yield a, n, _client(a)
    n.stop()
    a.stop()



def set_props(node: NodeProcess, bucket: str, value: dict) -> None:
    props(node, bucket, value, "azure")


def cached_names(node: NodeProcess, bucket: str) -> list[str]:
    b = Client(node.url).bucket(bucket, provider="azure")
    return [e.name for e in b.list_all_objects(flags=[ListObjectFlag.CACHED])]


def test_first_access_listing_cold_and_warm_get(svc, aisn: NodeProcess) -> None:
    ctr = svc.create_container("data")
    for i in range(3):
        ctr.upload_blob(f"d/o{i}", f"body-{i}".encode() * 100)
    c = Client(aisn.url)
    assert not any(m.name == "data" for m in c.cluster().list_buckets(provider="azure"))
    b = c.bucket("data", provider="azure")
    entries = b.list_all_objects(props="name,size,cached")
    assert [(e.name, e.size) for e in entries] == [(f"d/o{i}", 600) for i in range(3)]
    assert not any(e.is_cached() for e in entries)
    assert any(m.name == "data" and m.provider == "azure"
               for m in c.cluster().list_buckets(provider="azure"))
    assert b.object("d/o1").get_reader().read_all() == b"body-1" * 100
    cached = {e.name: e.is_cached() for e in b.list_all_objects(props="name,size,cached")}
    assert cached == {"d/o0": False, "d/o1": True, "d/o2": False}
    assert cached_names(aisn, "data") == ["d/o1"]
    props = b.object("d/o1").head(props="checksum,custom,version")
    assert props.present
    custom = props.custom_metadata
    p = ctr.get_blob_client("d/o1").get_blob_properties()
    assert custom.get("source") == "azure"
    assert custom.get("ETag") == p.etag.strip('"')
    assert custom.get("remote-md5") == hashlib.md5(b"body-1" * 100).hexdigest()


def test_validate_warm_get_and_synchronize(svc, aisn: NodeProcess) -> None:
    ctr = svc.create_container("vers")
    ctr.upload_blob("k", b"v1")
    b = Client(aisn.url).bucket("vers", provider="azure")
    assert b.object("k").get_reader().read_all() == b"v1"
    ctr.upload_blob("k", b"v2-changed", overwrite=True)  # a new ETag
    assert b.object("k").get_reader().read_all() == b"v1"  # no validation: cached copy
    set_props(aisn, "vers", {"versioning": {"validate_warm_get": True}})
    assert b.object("k").get_reader().read_all() == b"v2-changed"
    set_props(aisn, "vers", {"versioning": {"synchronize": True}})
    ctr.delete_blob("k")
    st, body, _ = raw(aisn, "GET", "/v1/objects/vers/k?provider=azure")
    assert st == 404, body
    assert cached_names(aisn, "vers") == []


def test_latest_ver_query(svc, aisn: NodeProcess) -> None:
    ctr = svc.create_container("latest")
    ctr.upload_blob("k", b"old")
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=azure")[1] == b"old"
    ctr.upload_blob("k", b"new!", overwrite=True)
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=azure")[1] == b"old"
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=azure&latest-ver=true")[1] == b"new!"


def test_write_through_put_and_delete(svc, aisn: NodeProcess) -> None:
    ctr = svc.create_container("wthru")
    b = Client(aisn.url).bucket("wthru", provider="azure")
    b.object("new/obj").get_writer().put_content(b"written through")
    assert ctr.download_blob("new/obj").readall() == b"written through"
    props = b.object("new/obj").head(props="custom")
    assert props.present
    etag = ctr.get_blob_client("new/obj").get_blob_properties().etag.strip('"')
    assert props.custom_metadata.get("ETag") == etag
    b.object("new/obj").delete()
    assert not ctr.get_blob_client("new/obj").exists()
    assert raw(aisn, "GET", "/v1/objects/wthru/new/obj?provider=azure")[0] == 404


def test_write_through_large_put(svc, aisn: NodeProcess) -> None:
    """Above one block the SDK stages blocks and commits a block list."""
    ctr = svc.create_container("wbig")
    data = bytes(range(256)) * (40 << 12)  # 10 MiB
    st, body, _ = raw(aisn, "PUT", "/v1/objects/wbig/big?provider=azure", data,
                      {"Content-Type": "application/octet-stream"})
    assert st == 200, body
    assert ctr.download_blob("big").readall() == data
    st, _, h = raw(aisn, "HEAD", "/v1/objects/wbig/big?provider=azure")
    assert st == 200 and h["ais-present"] == "true"


def test_range_on_cold_object_is_not_cached(svc, aisn: NodeProcess) -> None:
    ctr = svc.create_container("rng")
    ctr.upload_blob("r", b"0123456789")
    st, body, h = raw(aisn, "GET", "/v1/objects/rng/r?provider=azure", headers={
        "Range": "bytes=2-4"})
    assert st == 206 and body == b"234" and h["content-range"] == "bytes 2-4/10"
    st, body, h = raw(aisn, "GET", "/v1/objects/rng/r?provider=azure", headers={
        "Range": "bytes=-3"})
    assert st == 206 and body == b"789"
    st, _, h = raw(aisn, "HEAD", "/v1/objects/rng/r?provider=azure")
    assert h["ais-present"] == "false"


def test_missing_remote_bucket_and_object(svc, aisn: NodeProcess) -> None:
    st, body, _ = raw(aisn, "GET", "/v1/objects/nosuch/o?provider=azure")
    assert st == 404 and b"az://nosuch" in body
    svc.create_container("half")
    st, body, _ = raw(aisn, "GET", "/v1/objects/half/missing?provider=azure")
    assert st == 404 and b"az://half/missing" in body


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_cold_get_of_large_object_streams(svc, aisn: NodeProcess) -> None:
    """A 50 MiB cold GET does not hold the object in memory (peak RSS grows by far less)."""
    ctr = svc.create_container("large")
    size = 50 << 20
    ctr.upload_blob("big", b"\xa5" * size, max_concurrency=4)
    assert aisn.proc is not None
    pid = aisn.proc.pid
    raw(aisn, "HEAD", "/v1/buckets/large?provider=azure")  # first access outside the window
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    before = _peak_rss(pid)
    c = http.client.HTTPConnection("127.0.0.1", aisn.port, timeout=60)
    c.request("GET", "/v1/objects/large/big?provider=azure")
    r = c.getresponse()
    assert r.status == 200
    n = 0
    while chunk := r.read(1 << 20):
        assert chunk == b"\xa5" * len(chunk)
        n += len(chunk)
    c.close()
    assert n == size
    grown = _peak_rss(pid) - before
    assert grown < 32 << 20, f"peak RSS grew by {grown >> 20} MiB for a 50 MiB cold GET"
    assert cached_names(aisn, "large") == ["big"]


def test_backend_down_warm_get_served_cold_get_fails_cleanly(own) -> None:
    az, aisn, svc = own
    ctr = svc.create_container("down")
    ctr.upload_blob("warm", b"w" * 1000)
    ctr.upload_blob("cold", b"c" * 1000)
    b = Client(aisn.url).bucket("down", provider="azure")
    assert b.object("warm").get_reader().read_all() == b"w" * 1000
    az.stop()
    assert b.object("warm").get_reader().read_all() == b"w" * 1000  # no backend call
    st, body, _ = raw(aisn, "GET", "/v1/objects/down/cold?provider=azure")
    assert st in (502, 503, 504), body
    err = json.loads(body)
    assert err["message"].startswith("azure:"), err
    files = [p for p in Path(aisn.data_dir).rglob("*") if p.is_file()]
    assert [p.name for p in files if "%ob" in p.parts] == ["warm"]  # nothing of "cold"
    assert [p for p in files if "%wk" in p.parts] == []  # no work file left behind
