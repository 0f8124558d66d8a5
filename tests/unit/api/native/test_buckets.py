"""Native list-objects rendering: flags -> listing request, items -> AIS entries (in-process,
mocked request; no server)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from aistore.sdk.types import BucketEntry

from aisnode.api.keys import SERVICES
from aisnode.api.native import buckets as nb
from aisnode.backends.registry import Backends
from aisnode.services.proxy.buckets import BucketService
from aisnode.services.target.remote import RemoteObjects
from aisnode.services.target.listing import Lister
from aisnode.services.target.multipart import MultipartService
from aisnode.services.target.objects import PutOptions
from aisnode.wire import messages as m
from tests.unit.services.target.conftest import Store, make_store

run = asyncio.run


def _list(st: Store, msg: dict[str, Any], msgpack: bool = False) -> Any:
    backends = Backends()
    svc = SimpleNamespace(
        buckets=BucketService(st.bmap, st.mountpaths, st.svc.cfg, MultipartService(st.svc),
                              backends),
        lister=Lister(st.mountpaths, "t1"),
        cluster=SimpleNamespace(target_id="t1"),
        remote=RemoteObjects(st.svc, backends),
        objects=st.svc,
    )
    app = web.Application()
    app[SERVICES] = svc  # type: ignore[assignment]
    headers = {"Accept": "application/msgpack"} if msgpack else {}
    req = make_mocked_request("GET", "/v1/buckets/b", headers=headers, app=app)
    resp = run(nb._list_objects(req, svc, st.bck, msg))  # type: ignore[arg-type]
    if msgpack:
        return msgspec.msgpack.decode(resp.body)
    return json.loads(resp.body)


def _fill(tmp_path: Path) -> Store:
    st = make_store(tmp_path, 2)
    for n in ("a", "d/x", "d/y", "z"):
        run(st.svc.put_bytes(st.bck, n, n.encode(), PutOptions(custom={"k": n})))
    return st


def test_no_recursion_flag_gives_dir_entries(tmp_path: Path) -> None:
    st = _fill(tmp_path)
    doc = _list(st, {"flags": str(m.LS_NO_RECURSION)})
    got = {e["name"]: e["flags"] for e in doc["entries"]}
    assert list(got) == ["a", "d/", "z"]
    assert got["d/"] & m.ENTRY_IS_DIR
    assert not got["a"] & m.ENTRY_IS_DIR and got["a"] & m.ENTRY_CACHED
    doc = _list(st, {"flags": m.LS_NO_RECURSION | m.LS_NO_DIRS})
    assert [e["name"] for e in doc["entries"]] == ["a", "z"]
    doc = _list(st, {})
    assert [e["name"] for e in doc["entries"]] == ["a", "d/x", "d/y", "z"]


def test_props_fill_the_right_fields(tmp_path: Path) -> None:
    st = _fill(tmp_path)
    meta, path = st.svc.stat(st.bck, "d/x")
    doc = _list(st, {"props": "name,size,checksum,version,atime,custom,location,copies"})
    e = {x["name"]: x for x in doc["entries"]}["d/x"]
    assert e["size"] == 3 and e["checksum"] == meta.cksum_value and e["checksum"]
    assert e["version"] == "1" and e["atime"].endswith("GMT")
    assert e["custom-md"] == "k=d/x" and e["copies"] == 1
    assert e["location"].startswith("t[t1]:") and path.startswith(e["location"][6:])
    # default props: names and sizes only
    e = _list(st, {})["entries"][0]
    assert (e["name"], e["size"], e["checksum"], e["version"], e["custom-md"]) == (
        "a", 1, "", "", "")
    # name-only flag drops sizes too
    e = _list(st, {"flags": m.LS_NAME_ONLY, "props": "name,checksum"})["entries"][0]
    assert (e["size"], e["checksum"]) == (0, "")


def test_msgpack_page_decodes_with_sdk_entry(tmp_path: Path) -> None:
    st = _fill(tmp_path)
    page = _list(st, {"pagesize": 2, "props": "name,size,checksum"}, msgpack=True)
    assert page["ContinuationToken"] == "d/x"
    ents = [msgspec.convert(e, BucketEntry) for e in page["Entries"]]
    assert [(e.n, e.s) for e in ents] == [("a", 1), ("d/x", 3)]
    assert ents[0].cs == st.svc.stat(st.bck, "a")[0].cksum_value
    page = _list(st, {"pagesize": 2, "continuation_token": "d/x"}, msgpack=True)
    assert [e["n"] for e in page["Entries"]] == ["d/y", "z"] and page["ContinuationToken"] == ""
