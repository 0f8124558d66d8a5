"""Pure parts of the client and CLI (no server): formatting, props parsing, argument parsing,
error mapping. They belong in `tests/unit/cli/` and `tests/unit/client/`; kept here until the
owner of `tests/unit/` moves them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from multidict import CIMultiDict
from rich.console import Console

from aisnode import errors
from aisnode.cli import bucket as bucket_cmds
from aisnode.cli import object as object_cmds
from aisnode.cli.context import UsageError, bucket_arg, object_arg
from aisnode.cli.main import build_parser
from aisnode.cli.render import (
    coerce,
    flatten,
    format_size,
    nest,
    parse_props,
    print_table,
)
from aisnode.client import ClientError, ObjectAttrs, range_header
from aisnode.client.errors import make_error
from aisnode.wire import messages as M


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, "0B"), (1023, "1023B"), (1024, "1.00KiB"), (1536, "1.50KiB"),
     (12 * 1024 * 1024, "12.00MiB"), (5 * (1 << 30) + (1 << 29), "5.50GiB"), (1 << 40, "1.00TiB")],
)
def test_format_size(n: int, shown: str) -> None:
    assert format_size(n) == shown


def test_flatten_nest_roundtrip() -> None:
    tree = {"checksum": {"type": "md5", "validate_cold_get": False}, "access": "1", "x": {}}
    flat = flatten(tree)
    assert flat == {"checksum.type": "md5", "checksum.validate_cold_get": False, "access": "1",
                    "x": {}}
    assert nest(flat) == tree


def test_parse_props_forms() -> None:
    want = {"checksum": {"type": "md5"}, "versioning": {"enabled": False}}
    assert parse_props(["checksum.type=md5 versioning.enabled=false"]) == want
    assert parse_props(["checksum.type=md5", "versioning.enabled=false"]) == want
    assert parse_props(["checksum.type", "md5", "versioning.enabled", "false"]) == want
    assert parse_props(['{"checksum":{"type":"md5"},"versioning":{"enabled":false}}']) == want
    assert parse_props(['{"checksum.type":"md5"}']) == {"checksum": {"type": "md5"}}
    assert parse_props(["mirror.copies=3"]) == {"mirror": {"copies": 3}}
    assert parse_props(["access=ro"]) == {"access": "ro"}
    assert parse_props(["features=1"]) == {"features": "1"}
    with pytest.raises(ValueError):
        parse_props(["checksum.type"])
    with pytest.raises(ValueError):
        parse_props(["{}", "a=b"])
    with pytest.raises(ValueError):
        parse_props([])


def test_parse_props_typed_by_current() -> None:
    current = {"lru": {"dont_evict_time": "2h", "enabled": False}, "mirror": {"copies": 2},
               "extra": {"aws": {"endpoint": ""}}}
    got = parse_props(["lru.enabled=true", "mirror.copies=4", "extra.aws.endpoint=123"], current)
    assert got == {"lru": {"enabled": True}, "mirror": {"copies": 4},
                   "extra": {"aws": {"endpoint": "123"}}}
    assert coerce("x", "yes", False) is True
    assert coerce("x", "12", None) == 12 and coerce("x", "12a", None) == "12a"


def test_range_header() -> None:
    assert range_header(None, None) is None
    assert range_header(10, None) == "bytes=10-"
    assert range_header(None, 5) == "bytes=0-4"
    assert range_header(100, 50) == "bytes=100-149"
    with pytest.raises(errors.InvalidRequest):
        range_header(0, 0)
    with pytest.raises(errors.InvalidRequest):
        range_header(-1, 3)


def test_uri_args() -> None:
    bck, obj = bucket_arg("ais://abc/x/y", allow_object=True)
    assert str(bck) == "ais://abc" and obj == "x/y"
    assert object_arg("s3://b/k")[0].provider == "aws"
    with pytest.raises(UsageError):
        bucket_arg("ais://")
    with pytest.raises(UsageError):
        bucket_arg("ais://abc/obj")
    with pytest.raises(UsageError):
        object_arg("ais://abc")
    with pytest.raises(errors.InvalidBucketName):
        bucket_arg("ais://a..b")


def test_object_names_for_put() -> None:
    f = Path("/data/dir/file.txt")
    assert object_cmds.object_name_for(f, "") == "file.txt"
    assert object_cmds.object_name_for(f, "x.bin") == "x.bin"
    assert object_cmds.object_name_for(f, "pre/") == "pre/file.txt"
    root = Path("/data")
    assert object_cmds.object_name_for(f, "", root) == "dir/file.txt"
    assert object_cmds.object_name_for(f, "pre", root) == "pre/dir/file.txt"
    assert object_cmds.object_name_for(f, "pre/", root) == "pre/dir/file.txt"


def test_dir_files(tmp_path: Path) -> None:
    for rel in ("b.txt", "a/c.txt", "a/d/e.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"1")
    rels = [p.relative_to(tmp_path).as_posix() for p in object_cmds.dir_files(tmp_path, True)]
    assert rels == ["a/c.txt", "a/d/e.txt", "b.txt"]
    assert [p.name for p in object_cmds.dir_files(tmp_path, False)] == ["b.txt"]


def test_list_and_show_props() -> None:
    assert bucket_cmds.list_props("", False) == ["name", "size"]
    assert bucket_cmds.list_props("size,checksum", False) == ["name", "size", "checksum"]
    assert bucket_cmds.list_props("all", False)[0] == "name"
    assert bucket_cmds.list_props("all", True) == ["name"]
    with pytest.raises(UsageError):
        bucket_cmds.list_props("bogus", False)
    assert object_cmds.show_props("") == ["checksum", "size", "atime", "version"]
    assert object_cmds.show_props("size,size,version") == ["size", "version"]
    with pytest.raises(UsageError):
        object_cmds.show_props("node-x")


def test_entry_cells() -> None:
    e = M.ListEntry(n="a", s=1536, cs="abc", f=M.ENTRY_CACHED)
    assert [bucket_cmds.entry_cell(p, e) for p in ("name", "size", "checksum", "version",
                                                   "cached", "status")] == \
        ["a", "1.50KiB", "abc", "-", "yes", "ok"]
    d = M.ListEntry(n="dir/", f=M.ENTRY_IS_DIR)
    assert bucket_cmds.entry_cell("size", d) == ""


def test_print_table_alignment() -> None:
    buf = io.StringIO()
    console = Console(file=buf, width=10_000, no_color=True, highlight=False)
    print_table(console, ["NAME", "SIZE"], [["a", "1B"], ["long-name[x]", "2.00KiB"]])
    assert buf.getvalue().splitlines() == [
        "NAME          SIZE",
        "a             1B",
        "long-name[x]  2.00KiB",
    ]


def test_parser_aliases_and_intermixed_args() -> None:
    p = build_parser()
    a = p.parse_args(["get", "ais://b/o", "--offset", "5", "out", "--length", "3"])
    assert (a.src, a.out, a.offset, a.length) == ("ais://b/o", "out", 5, 3)
    assert p.parse_args(["create", "ais://x"]).func is p.parse_args(
        ["bucket", "create", "ais://x"]).func
    assert p.parse_args(["rm", "ais://b/o"]).func is p.parse_args(["object", "rm", "ais://b/o"]).func
    assert p.parse_args(["rmb", "ais://b"]).func is p.parse_args(["bucket", "rm", "ais://b"]).func
    a = p.parse_args(["ls", "ais://b", "--nr", "--props", "all"])
    assert a.non_recursive and a.props == "all"
    a = p.parse_args(["bucket", "props", "set", "ais://b", "k=v", "k2=v2"])
    assert a.props == ["k=v", "k2=v2"]
    with pytest.raises(SystemExit) as ei:
        p.parse_args(["put"])
    assert ei.value.code == 2


def test_error_mapping() -> None:
    e = make_error(404, '{"message": "bucket \\"ais://b\\" does not exist", "status": 404}')
    assert isinstance(e, errors.BucketNotFound) and isinstance(e, ClientError)
    assert e.message == 'bucket "ais://b" does not exist' and e.status == 404
    e = make_error(404, '{"message": "t[x]: ais://b/o does not exist"}')
    assert isinstance(e, errors.ObjectNotFound)
    e = make_error(409, '{"message": "whatever", "type": "BucketAlreadyExists"}')
    assert isinstance(e, errors.BucketAlreadyExists)
    e = make_error(400, '{"message": "bad", "type": "RuntimeError"}')
    assert type(e).__mro__[1] is ClientError and isinstance(e, errors.InvalidRequest)
    e = make_error(500, "plain text failure")
    assert type(e) is ClientError and e.message == "plain text failure"
    e = make_error(503, "", "Service Unavailable")
    assert isinstance(e, errors.Unavailable) and e.message == "503 Service Unavailable"


def test_object_attrs_from_headers() -> None:
    h = CIMultiDict([
        ("Content-Length", "12"), ("Ais-Checksum-Type", "xxhash2"),
        ("Ais-Checksum-Value", "abc"), ("Ais-Atime", "1700000000000000000"),
        ("Ais-Version", "3"), ("Ais-Custom-Md", "a=1"), ("Ais-Custom-Md", "b=2,c=3"),
        ("Ais-Present", "true"), ("Ais-Mirror-Copies", "2"), ("Ais-Mirror-Paths", "[/m1,/m2]"),
    ])
    a = ObjectAttrs.from_headers(h)
    assert (a.size, a.checksum_type, a.checksum_value, a.version) == (12, "xxhash2", "abc", "3")
    assert a.custom == {"a": "1", "b": "2", "c": "3"} and a.present is True
    assert a.atime_ns == 1_700_000_000_000_000_000 and a.copies == 2
    assert a.mirror_paths == ["/m1", "/m2"]


def test_put_follows_redirects(tmp_path: Path) -> None:
    """A proxy that answers PUT with 307 (as AIS proxies do) gets the body re-sent to the
    target: replayable sources are re-read; a pipe works because nothing was read yet."""
    import asyncio
    import os

    from aiohttp import web

    from aisnode.client import Client
    from aisnode.wire.bucket import Bucket

    stored: dict[str, bytes] = {}

    async def proxy(req: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"/target{req.path_qs}")

    async def target(req: web.Request) -> web.Response:
        stored[req.match_info["tail"]] = await req.read()
        return web.Response(headers={"Ais-Version": "1"})

    data = os.urandom(3 * 1024 * 1024)
    src = tmp_path / "f.bin"
    src.write_bytes(data)

    async def main() -> None:
        app = web.Application(client_max_size=1 << 30)
        app.router.add_put("/v1/objects/{tail:.*}", proxy)
        app.router.add_put("/target/v1/objects/{tail:.*}", target)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            async with Client(f"http://127.0.0.1:{port}") as c:
                seen: list[int] = []
                a = await c.put_object(Bucket("b"), "from-path", src, progress=seen.append)
                assert a.version == "1" and sum(seen) == len(data)
                await c.put_object(Bucket("b"), "from-bytes", data[:10])
                r, w = os.pipe()
                with open(r, "rb") as pipe_r:
                    with open(w, "wb") as pipe_w:
                        pipe_w.write(b"piped")
                    await c.put_object(Bucket("b"), "from-pipe", pipe_r)
        finally:
            await runner.cleanup()

    asyncio.run(main())
    assert stored == {"b/from-path": data, "b/from-bytes": data[:10], "b/from-pipe": b"piped"}
