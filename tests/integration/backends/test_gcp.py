"""gcp:// (gs://) backend against a real gcp-storage-emulator: first access, cold/warm GET,
version validation, synchronize, write-through PUT/DELETE, cold range, streaming memory, backend
down."""

from __future__ import annotations

import http.client
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aistore.sdk import Client
from aistore.sdk.list_object_flag import ListObjectFlag

from tests.support.backends import GCS_PROJECT, ServerProcess, gcs_emulator, gcs_env
from tests.support.http import raw
from tests.support.http import set_props as props
from tests.support.server import NodeProcess

storage = pytest.importorskip("google.cloud.storage")

if not shutil.which("gcp-storage-emulator", path=str(Path(sys.executable).parent)) and \
        not shutil.which("gcp-storage-emulator"):
    pytest.skip("gcp-storage-emulator is not installed (pip install gcp-storage-emulator)",
                allow_module_level=True)


def _node(root: Path, gcs: ServerProcess) -> NodeProcess:
    return NodeProcess(root / "ais", env=gcs_env(gcs)).start()


def _client(gcs: ServerProcess):
    from google.auth.credentials import AnonymousCredentials

    return storage.Client(project=GCS_PROJECT, credentials=AnonymousCredentials(),
                          client_options={"api_endpoint": gcs.url})


@pytest.fixture(scope="module")
def gcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    g = gcs_emulator(tmp_path_factory.mktemp("gcs")).start()
    yield g
    g.stop()


@pytest.fixture(scope="module")
def gs(gcs: ServerProcess):
    return _client(gcs)


@pytest.fixture(scope="module")
def aisn(tmp_path_factory: pytest.TempPathFactory, gcs: ServerProcess) -> Iterator[NodeProcess]:
    n = _node(tmp_path_factory.mktemp("aisn"), gcs)
    yield n
    n.stop()


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[ServerProcess, NodeProcess, object]]:
    """An emulator and a node of the test's own (for tests that stop the backend)."""
    g = gcs_emulator(tmp_path).start()
    n = _node(tmp_path, g)
    yield g, n, _client(g)
    n.stop()
    g.stop()



def set_props(node: NodeProcess, bucket: str, value: dict) -> None:
    props(node, bucket, value, "gcp")


def cached_names(node: NodeProcess, bucket: str) -> list[str]:
    b = Client(node.url).bucket(bucket, provider="gcp")
    return [e.name for e in b.list_all_objects(flags=[ListObjectFlag.CACHED])]


def test_first_access_listing_cold_and_warm_get(gs, aisn: NodeProcess) -> None:
    bkt = gs.create_bucket("data")
    for i in range(3):
        bkt.blob(f"d/o{i}").upload_from_string(f"body-{i}".encode() * 100)
    c = Client(aisn.url)
    assert not any(m.name == "data" for m in c.cluster().list_buckets(provider="gcp"))
    b = c.bucket("data", provider="gcp")
    entries = b.list_all_objects(props="name,size,cached")
    assert [(e.name, e.size) for e in entries] == [(f"d/o{i}", 600) for i in range(3)]
    assert not any(e.is_cached() for e in entries)
    assert any(m.name == "data" and m.provider == "gcp"
               for m in c.cluster().list_buckets(provider="gcp"))
    assert b.object("d/o1").get_reader().read_all() == b"body-1" * 100
    cached = {e.name: e.is_cached() for e in b.list_all_objects(props="name,size,cached")}
    assert cached == {"d/o0": False, "d/o1": True, "d/o2": False}
    assert cached_names(aisn, "data") == ["d/o1"]
    props = b.object("d/o1").head(props="checksum,custom,version")
    assert props.present
    custom = props.custom_metadata
    blob = bkt.get_blob("d/o1")
    assert custom.get("source") == "gcp"
    assert custom.get("remote-version") == str(blob.generation)
    assert custom.get("remote-md5") == __import__("base64").b64decode(blob.md5_hash).hex()


def test_validate_warm_get_and_synchronize(gs, aisn: NodeProcess) -> None:
    bkt = gs.create_bucket("vers")
    bkt.blob("k").upload_from_string(b"v1")
    b = Client(aisn.url).bucket("vers", provider="gcp")
    assert b.object("k").get_reader().read_all() == b"v1"
    bkt.blob("k").upload_from_string(b"v2-changed")  # a new generation
    assert b.object("k").get_reader().read_all() == b"v1"  # no validation: cached copy
    set_props(aisn, "vers", {"versioning": {"validate_warm_get": True}})
    assert b.object("k").get_reader().read_all() == b"v2-changed"
    set_props(aisn, "vers", {"versioning": {"synchronize": True}})
    bkt.blob("k").delete()
    st, body, _ = raw(aisn, "GET", "/v1/objects/vers/k?provider=gcp")
    assert st == 404, body
    assert cached_names(aisn, "vers") == []


def test_latest_ver_query(gs, aisn: NodeProcess) -> None:
    bkt = gs.create_bucket("latest")
    bkt.blob("k").upload_from_string(b"old")
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=gcp")[1] == b"old"
    bkt.blob("k").upload_from_string(b"new!")
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=gcp")[1] == b"old"
    assert raw(aisn, "GET", "/v1/objects/latest/k?provider=gcp&latest-ver=true")[1] == b"new!"


def test_write_through_put_and_delete(gs, aisn: NodeProcess) -> None:
    bkt = gs.create_bucket("wthru")
    b = Client(aisn.url).bucket("wthru", provider="gcp")
    b.object("new/obj").get_writer().put_content(b"written through")
    assert bkt.blob("new/obj").download_as_bytes() == b"written through"
    props = b.object("new/obj").head(props="custom")
    assert props.present
    assert props.custom_metadata.get("remote-version") == str(bkt.get_blob("new/obj").generation)
    b.object("new/obj").delete()
    assert bkt.get_blob("new/obj") is None
    assert raw(aisn, "GET", "/v1/objects/wthru/new/obj?provider=gcp")[0] == 404


def test_write_through_large_put(gs, aisn: NodeProcess, tmp_path: Path) -> None:
    """Above one upload chunk the SDK's resumable upload is used."""
    bkt = gs.create_bucket("wbig")
    data = bytes(range(256)) * (40 << 12)  # 10 MiB
    st, body, _ = raw(aisn, "PUT", "/v1/objects/wbig/big?provider=gcp", data,
                      {"Content-Type": "application/octet-stream"})
    assert st == 200, body
    assert bkt.blob("big").download_as_bytes() == data


def test_range_on_cold_object_is_not_cached(gs, aisn: NodeProcess) -> None:
    bkt = gs.create_bucket("rng")
    bkt.blob("r").upload_from_string(b"0123456789")
    st, body, h = raw(aisn, "GET", "/v1/objects/rng/r?provider=gcp", headers={
        "Range": "bytes=2-4"})
    assert st == 206 and body == b"234" and h["content-range"] == "bytes 2-4/10"
    st, body, h = raw(aisn, "GET", "/v1/objects/rng/r?provider=gcp", headers={
        "Range": "bytes=-3"})
    assert st == 206 and body == b"789"
    st, _, h = raw(aisn, "HEAD", "/v1/objects/rng/r?provider=gcp")
    assert h["ais-present"] == "false"


def test_missing_remote_bucket_and_object(gs, aisn: NodeProcess) -> None:
    st, body, _ = raw(aisn, "GET", "/v1/objects/nosuch/o?provider=gcp")
    assert st == 404 and b"gs://nosuch" in body
    gs.create_bucket("half")
    st, body, _ = raw(aisn, "GET", "/v1/objects/half/missing?provider=gcp")
    assert st == 404 and b"gs://half/missing" in body


def _peak_rss_reset(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        return True
    except OSError:
        return False


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_cold_get_of_large_object_streams(gs, aisn: NodeProcess) -> None:
    """A 50 MiB cold GET does not hold the object in memory (peak RSS grows by far less)."""
    bkt = gs.create_bucket("large")
    size = 50 << 20
    bkt.blob("big", chunk_size=8 << 20).upload_from_string(b"\xa5" * size)
    assert aisn.proc is not None
    pid = aisn.proc.pid
    raw(aisn, "HEAD", "/v1/buckets/large?provider=gcp")  # first access outside the window
    _peak_rss_reset(pid)
    before = _peak_rss(pid)
    c = http.client.HTTPConnection("127.0.0.1", aisn.port, timeout=60)
    c.request("GET", "/v1/objects/large/big?provider=gcp")
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
    gcs, aisn, gs = own
    bkt = gs.create_bucket("down")
    bkt.blob("warm").upload_from_string(b"w" * 1000)
    bkt.blob("cold").upload_from_string(b"c" * 1000)
    b = Client(aisn.url).bucket("down", provider="gcp")
    assert b.object("warm").get_reader().read_all() == b"w" * 1000
    gcs.stop()
    assert b.object("warm").get_reader().read_all() == b"w" * 1000  # no backend call
    st, body, _ = raw(aisn, "GET", "/v1/objects/down/cold?provider=gcp")
    assert st in (502, 503, 504), body
    err = json.loads(body)
    assert err["message"].startswith("gcp:"), err
    files = [p for p in Path(aisn.data_dir).rglob("*") if p.is_file()]
    assert [p.name for p in files if "%ob" in p.parts] == ["warm"]  # nothing of "cold"
    assert [p for p in files if "%wk" in p.parts] == []  # no work file left behind
