"""ht:// backend against a real nginx (ETag, ranges, JSON autoindex) and python's http.server
(no ETag, no ranges, HTML index): first access, listing, cold/warm GET, validate_warm_get,
synchronize, cold range, read-only PUT/DELETE, server down."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisnode.backends.http import HttpBackend, object_url, parse_html_index
from aisnode.wire.bucket import Bucket
from tests.support.http import raw
from tests.support.http import set_props as props
from tests.support.backends import NGINX, ServerProcess, nginx_server
from tests.support.server import NodeProcess, free_port

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX) and not __import__("shutil").which(
    "nginx"), reason="nginx not installed (scripts/install-system-deps.sh)")

FILES = {
    "data/a.txt": b"alpha\n",
    "data/sub/b c.txt": b"bee see",
    "data/sub/deep/d.bin": bytes(range(256)) * 4,
    "data/z.txt": b"zz",
    "vers/k": b"v1",
    "sync/gone": b"soon deleted",
    "rng/r": b"0123456789",
    "ro/exists": b"keep me",
    "alt/only-here": b"from alt",
    "other/file.txt": b"by full URL",
}
# bucket -> directory under the served root
BUCKETS = {"data": "data", "vers": "vers", "sync": "sync", "rng": "rng", "ro": "ro",
           "alt": "data", "missing": "nosuchdir", "plain": "data"}


def _fill(root: Path) -> None:
    for rel, body in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(body)


def _env(ngx: ServerProcess, py: ServerProcess | None = None) -> dict[str, str]:
    m = {b: f"{ngx.url}/{d}/" for b, d in BUCKETS.items()}
    if py is not None:
        m["plain"] = f"{py.url}/data/"
    return {"AISNODE_HT_BUCKETS": json.dumps(m)}


def _python_server(root: Path, log_dir: Path) -> ServerProcess:
    port = free_port()
    return ServerProcess("pyhttp", [sys.executable, "-m", "http.server", str(port), "--bind",
                                    "127.0.0.1", "--directory", str(root)],
                         f"http://127.0.0.1:{port}/", log_dir, port)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    r = tmp_path_factory.mktemp("htroot")
    _fill(r)
    return r


@pytest.fixture(scope="module")
def ngx(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    s = nginx_server(root, tmp_path_factory.mktemp("nginx")).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pyhttp(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    s = _python_server(root, tmp_path_factory.mktemp("pyhttp")).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def aisn(tmp_path_factory: pytest.TempPathFactory, ngx: ServerProcess,
         pyhttp: ServerProcess) -> Iterator[NodeProcess]:
    n = NodeProcess(tmp_path_factory.mktemp("aisn") / "ais", env=_env(ngx, pyhttp)).start()
    yield n
    n.stop()


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[ServerProcess, NodeProcess]]:
    """An nginx and a node of the test's own (for tests that stop the server)."""
    r = tmp_path / "root"
    _fill(r)
    s = nginx_server(r, tmp_path / "nginx").start()
    n = NodeProcess(tmp_path / "ais", env=_env(s)).start()
    yield s, n
    n.stop()
    s.stop()



def get(node: NodeProcess, bucket: str, name: str, **hdrs: str) -> tuple[int, bytes,
                                                                         dict[str, str]]:
    from urllib.parse import quote

    return raw(node, "GET", f"/v1/objects/{bucket}/{quote(name)}?provider=ht",
               headers=hdrs or None)


def ls(node: NodeProcess, bucket: str, prefix: str = "", page_size: int = 0,
       token: str = "", flags: int = 0) -> tuple[list[dict], str]:
    st, body, _ = raw(node, "GET", f"/v1/buckets/{bucket}?provider=ht", json.dumps(
        {"action": "list", "name": "", "value": {
            "props": "name,size,cached", "prefix": prefix, "pagesize": page_size,
            "continuation_token": token, "flags": str(flags)}}).encode())
    assert st == 200, body
    doc = json.loads(body)
    return doc["entries"] or [], doc["continuation_token"]


def set_props(node: NodeProcess, bucket: str, value: dict) -> None:
    props(node, bucket, value, "ht")


def cached_files(node: NodeProcess) -> list[Path]:
    return [p for p in Path(node.data_dir).rglob("*") if p.is_file() and "@ht" in str(p)]


# --- first access and listing ---------------------------------------------------------------
def test_first_access_adds_bucket_and_missing_dir_is_404(aisn: NodeProcess) -> None:
    st, body, _ = raw(aisn, "HEAD", "/v1/buckets/data?provider=ht")
    assert st == 200, body
    st, body, _ = raw(aisn, "GET", "/v1/buckets?provider=ht")
    assert st == 200 and {"name": "data", "provider": "ht"}.items() <= next(
        b for b in json.loads(body) if b["name"] == "data").items()
    assert raw(aisn, "HEAD", "/v1/buckets/missing?provider=ht")[0] == 404
    st, body, _ = get(aisn, "missing", "x")
    assert st == 404 and b"ht://missing" in body


def test_list_names_sizes_and_cached_flag(aisn: NodeProcess) -> None:
    entries, token = ls(aisn, "data")
    assert token == ""
    assert [(e["name"], e["size"]) for e in entries] == [
        ("a.txt", 6), ("sub/b c.txt", 7), ("sub/deep/d.bin", 1024), ("z.txt", 2)]
    assert not any(e["flags"] & 64 for e in entries)
    assert get(aisn, "data", "sub/b c.txt")[1] == b"bee see"
    cached = {e["name"]: bool(e["flags"] & 64) for e in ls(aisn, "data")[0]}
    assert cached == {"a.txt": False, "sub/b c.txt": True, "sub/deep/d.bin": False,
                      "z.txt": False}
    assert [e["name"] for e in ls(aisn, "data", flags=1)[0]] == ["sub/b c.txt"]  # --cached
    assert [e["name"] for e in ls(aisn, "data", prefix="sub/")[0]] == [
        "sub/b c.txt", "sub/deep/d.bin"]
    assert [e["name"] for e in ls(aisn, "data", prefix="sub/de")[0]] == ["sub/deep/d.bin"]
    names, token = [], ""
    while True:  # pages of 2: token = last name
        page, token = ls(aisn, "data", page_size=2, token=token)
        names += [e["name"] for e in page]
        if not token:
            break
    assert names == ["a.txt", "sub/b c.txt", "sub/deep/d.bin", "z.txt"]


# --- GET ------------------------------------------------------------------------------------
def test_cold_then_warm_get_with_nginx_stopped(own) -> None:
    ngx, aisn = own
    st, body, h = get(aisn, "data", "sub/deep/d.bin")
    assert st == 200 and body == FILES["data/sub/deep/d.bin"]
    st, _, h = raw(aisn, "HEAD", "/v1/objects/data/sub/deep/d.bin?provider=ht")
    assert h["ais-present"] == "true"
    assert "source=ht" in h.get("ais-custom-md", "") and "ETag=" in h["ais-custom-md"]
    ngx.stop()  # a warm GET does not touch the server
    st, body, _ = get(aisn, "data", "sub/deep/d.bin")
    assert st == 200 and body == FILES["data/sub/deep/d.bin"]


def test_validate_warm_get_refetches_changed_file(aisn: NodeProcess, root: Path) -> None:
    assert get(aisn, "vers", "k")[1] == b"v1"
    p = root / "vers" / "k"
    p.write_bytes(b"v2-longer")  # new size (and mtime) -> new nginx ETag
    os.utime(p, (p.stat().st_atime, p.stat().st_mtime + 5))
    assert get(aisn, "vers", "k")[1] == b"v1"  # no validation: the cached copy
    set_props(aisn, "vers", {"versioning": {"validate_warm_get": True}})
    assert get(aisn, "vers", "k")[1] == b"v2-longer"
    assert get(aisn, "vers", "k")[1] == b"v2-longer"  # and now it is current


def test_synchronize_drops_deleted_file(aisn: NodeProcess, root: Path) -> None:
    assert get(aisn, "sync", "gone")[1] == b"soon deleted"
    (root / "sync" / "gone").unlink()
    assert get(aisn, "sync", "gone")[0] == 200  # cached, not validated
    set_props(aisn, "sync", {"versioning": {"synchronize": True}})
    st, body, _ = get(aisn, "sync", "gone")
    assert st == 404 and b"ht://sync/gone" in body
    assert ls(aisn, "sync", flags=1)[0] == []


def test_range_on_cold_object_is_not_cached(aisn: NodeProcess) -> None:
    st, body, h = get(aisn, "rng", "r", Range="bytes=2-4")
    assert st == 206 and body == b"234" and h["content-range"] == "bytes 2-4/10"
    st, body, _ = get(aisn, "rng", "r", Range="bytes=-3")
    assert st == 206 and body == b"789"
    st, _, h = raw(aisn, "HEAD", "/v1/objects/rng/r?provider=ht")
    assert st == 200 and h["ais-present"] == "false" and h["content-length"] == "10"


def test_props_original_url_wins_over_env(aisn: NodeProcess, ngx: ServerProcess) -> None:
    assert get(aisn, "alt", "a.txt")[1] == b"alpha\n"  # env: .../data/
    set_props(aisn, "alt", {"extra": {"http": {"original_url": f"{ngx.url}/alt"}}})
    assert get(aisn, "alt", "only-here")[1] == b"from alt"


def test_full_url_object_name(aisn: NodeProcess, ngx: ServerProcess) -> None:
    url = f"{ngx.url}/other/file.txt"
    st, body, _ = get(aisn, "data", url)
    assert st == 200 and body == b"by full URL"


def test_missing_object_is_404(aisn: NodeProcess) -> None:
    st, body, _ = get(aisn, "data", "no/such/file")
    assert st == 404 and b"ht://data/no/such/file" in body
    st, body, _ = get(aisn, "data", "sub")  # a directory is not an object
    assert st == 404


# --- read-only, server down -----------------------------------------------------------------
def test_put_and_delete_are_read_only(aisn: NodeProcess, root: Path) -> None:
    st, body, _ = raw(aisn, "PUT", "/v1/objects/ro/new?provider=ht", b"data")
    assert st == 501 and b"read-only" in body, body
    assert not (root / "ro" / "new").exists()
    assert get(aisn, "ro", "new")[0] == 404
    st, body, _ = raw(aisn, "DELETE", "/v1/objects/ro/exists?provider=ht")
    assert st == 501 and b"read-only" in body
    assert (root / "ro" / "exists").read_bytes() == b"keep me"


def test_server_down_gives_clear_error_and_caches_nothing(own) -> None:
    ngx, aisn = own
    assert raw(aisn, "HEAD", "/v1/buckets/data?provider=ht")[0] == 200  # added to the map
    ngx.stop()
    st, body, _ = get(aisn, "data", "a.txt")
    assert st == 503, body
    assert b"ht: cannot reach" in body
    st, body, _ = get(aisn, "data", "a.txt", Range="bytes=0-1")
    assert st == 503
    st, body, _ = raw(aisn, "HEAD", "/v1/buckets/rng?provider=ht")  # first access, down
    assert st == 503
    assert cached_files(aisn) == []
    assert [p for p in Path(aisn.data_dir).rglob("*") if p.is_file() and "%wk" in str(p)] == []


# --- python http.server: no ETag, no ranges, HTML index -------------------------------------
def test_python_http_server_cold_get_range_and_listing(aisn: NodeProcess) -> None:
    st, body, h = get(aisn, "plain", "sub/deep/d.bin", Range="bytes=10-19")
    assert st == 206 and body == FILES["data/sub/deep/d.bin"][10:20]
    assert h["content-range"] == "bytes 10-19/1024"
    st, body, _ = get(aisn, "plain", "sub/b c.txt")
    assert st == 200 and body == b"bee see"
    st, body, _ = get(aisn, "plain", "sub/b c.txt")  # warm
    assert st == 200 and body == b"bee see"
    entries, token = ls(aisn, "plain")
    assert token == ""
    assert [(e["name"], e["size"], bool(e["flags"] & 64)) for e in entries] == [
        ("a.txt", 6, False), ("sub/b c.txt", 7, True), ("sub/deep/d.bin", 1024, False),
        ("z.txt", 2, False)]


# --- the backend directly -------------------------------------------------------------------
def test_base_url_order_and_object_urls() -> None:
    be = HttpBackend(buckets={"m": "http://h:1/d/"})
    props = {"extra": {"http": {"original_url": "https://o/x"}}}
    assert be.base_url(Bucket("m", "ht"), props) == "https://o/x/"
    assert be.base_url(Bucket("m", "ht")) == "http://h:1/d/"
    assert be.base_url(Bucket("example.com", "ht")) == "http://example.com/"
    assert object_url("http://h/d/", "a b/c#?.txt") == "http://h/d/a%20b/c%23%3F.txt"
    assert object_url("http://h/d/", "https://x/y") == "https://x/y"
    assert parse_html_index('<a href="../">up</a><a href="?C=N">s</a><a href="f%20g">f</a>'
                            '<a href="sub/">d</a><a href="/elsewhere">x</a>'
                            '<a href="http://other/d/z">o</a>', "http://h/d/") == [
        ("f g", False), ("sub", True)]


def test_range_ignored_by_server_is_sliced(pyhttp: ServerProcess) -> None:
    async def go() -> tuple[bytes, int]:
        be = HttpBackend(buckets={"p": pyhttp.url + "/data/"})
        try:
            r = await be.get_object(Bucket("p", "ht"), "sub/deep/d.bin", (300, 500))
            try:
                return b"".join([c async for c in r.chunks()]), r.attrs.size
            finally:
                await r.close()
        finally:
            await be.close()

    body, size = asyncio.run(go())
    assert body == FILES["data/sub/deep/d.bin"][300:800] and size == 1024


def test_head_refused_falls_back_and_truncated_body_is_an_error() -> None:
    """A server that answers HEAD with 405 and cuts a GET short after 10 of 1000 bytes."""

    async def serve(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        head = (await r.readuntil(b"\r\n\r\n")).decode()
        if head.startswith("HEAD"):
            w.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        elif "range: bytes=0-0" in head.lower():
            w.write(b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-0/1000\r\n"
                    b'ETag: W/"abc"\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx')
        else:
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
                    + b"x" * 10)
        await w.drain()
        w.close()

    async def go() -> tuple[int, str, BaseException | None]:
        srv = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        be = HttpBackend(buckets={"t": f"http://127.0.0.1:{port}/"})
        err: BaseException | None = None
        try:
            a = await be.head_object(Bucket("t", "ht"), "f")
            r = await be.get_object(Bucket("t", "ht"), "f")
            try:
                async for _ in r.chunks():
                    pass
            except Exception as e:
                err = e
            finally:
                await r.close()
            return a.size, a.etag, err
        finally:
            await be.close()
            srv.close()

    size, etag, err = asyncio.run(go())
    assert (size, etag) == (1000, "abc")
    assert err is not None and type(err).__name__ == "BackendError" and "ht:" in str(err)


def test_unmapped_name_is_taken_as_a_host() -> None:
    async def go() -> BaseException:
        be = HttpBackend(buckets={})
        try:
            await be.head_bucket(Bucket("nosuchhost.invalid", "ht"))
        except Exception as e:
            return e
        finally:
            await be.close()
        raise AssertionError("head_bucket succeeded")

    err = asyncio.run(go())
    assert getattr(err, "status", 0) == 503
    assert "http://nosuchhost.invalid/" in str(err) and "AISNODE_HT_BUCKETS" in str(err)
