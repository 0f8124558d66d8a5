"""Lister: ordering, prefix, paging, start_after, one-level (no-recursion), metadata."""

from __future__ import annotations

import asyncio

import pytest

from aisnode.errors import InvalidRequest
from aisnode.services.target.listing import ListRequest, ListResult, Lister, parse_props
from aisnode.services.target.objects import PutOptions
from aisnode.wire import messages as m

from .conftest import Store

run = asyncio.run

NAMES = ["a", "b/1", "b/2", "b/sub/x", "b/sub/y", "ba", "c/d/e/f", "z", "B", "b/ü", "a b"]
TOP = sorted(["a", "a b", "B", "b/", "ba", "c/", "z"])


@pytest.fixture
def filled(store3: Store) -> Store:
    for n in NAMES:
        run(store3.svc.put_bytes(store3.bck, n, n.encode() * 2,
                                 PutOptions(custom={"src": n[:1]})))
    return store3


def _ls(st: Store, max_page: int = m.MAX_PAGE_SIZE, **kw: object) -> ListResult:
    lister = Lister(st.mountpaths, "t1", max_page)
    return run(lister.list(st.bck, ListRequest(**kw)))  # type: ignore[arg-type]


def _names(st: Store, **kw: object) -> list[str]:
    return [it.name for it in _ls(st, **kw).items]


def _all_pages(st: Store, page: int, **kw: object) -> list[str]:
    got: list[str] = []
    token = ""
    for _ in range(100):
        res = _ls(st, page_size=page, token=token, **kw)
        assert len(res.items) <= page
        got += [it.name for it in res.items]
        token = res.token
        if not token:
            return got
        assert token == res.items[-1].name
    raise AssertionError("listing did not end")


def test_sorted_across_mountpaths(filled: Store) -> None:
    used = {filled.mountpaths.for_object(filled.bck.uname(n)).path for n in NAMES}
    assert len(used) > 1
    res = _ls(filled)
    assert [it.name for it in res.items] == sorted(NAMES)
    assert res.token == ""
    for it in res.items:
        assert not it.is_dir
        assert it.size == len(it.name.encode()) * 2
        assert it.meta is None  # not asked for


def test_prefix(filled: Store) -> None:
    assert _names(filled, prefix="b/") == ["b/1", "b/2", "b/sub/x", "b/sub/y", "b/ü"]
    assert _names(filled, prefix="b") == ["b/1", "b/2", "b/sub/x", "b/sub/y", "b/ü", "ba"]
    assert _names(filled, prefix="b/s") == ["b/sub/x", "b/sub/y"]
    assert _names(filled, prefix="c/d/e/") == ["c/d/e/f"]
    assert _names(filled, prefix="nothing") == []


def test_empty_bucket(store: Store) -> None:
    res = _ls(store)
    assert res.items == [] and res.token == ""
    assert _ls(store, one_level=True).items == []


@pytest.mark.parametrize("page", [1, 2, 3, 4, 10, 11, 12])
def test_pages_give_each_name_once(filled: Store, page: int) -> None:
    assert _all_pages(filled, page) == sorted(NAMES)


def test_exact_last_page_has_no_token(filled: Store) -> None:
    res = _ls(filled, page_size=len(NAMES))
    assert len(res.items) == len(NAMES) and res.token == ""


def test_max_page_caps_page_size(filled: Store) -> None:
    res = _ls(filled, max_page=3, page_size=100)
    assert len(res.items) == 3 and res.token == res.items[-1].name
    assert len(_ls(filled, max_page=3).items) == 3


def test_pages_with_prefix(filled: Store) -> None:
    assert _all_pages(filled, 2, prefix="b/") == ["b/1", "b/2", "b/sub/x", "b/sub/y", "b/ü"]
    first = _ls(filled, prefix="b/", page_size=2)
    assert [it.name for it in first.items] == ["b/1", "b/2"] and first.token == "b/2"


def test_pages_stay_correct_while_objects_change(filled: Store) -> None:
    first = _ls(filled, page_size=3)
    run(filled.svc.put_bytes(filled.bck, "A-new-before", b"x"))  # sorts before the token
    run(filled.svc.delete(filled.bck, first.items[-1].name))
    rest = _ls(filled, token=first.token)
    assert [it.name for it in rest.items] == sorted(NAMES)[3:]


def test_start_after(filled: Store) -> None:
    assert _names(filled, start_after="b/sub/x") == [n for n in sorted(NAMES) if n > "b/sub/x"]
    assert _names(filled, start_after="b/2", prefix="b/") == ["b/sub/x", "b/sub/y", "b/ü"]
    assert _names(filled, start_after="b/3") == [n for n in sorted(NAMES) if n > "b/3"]
    # the later of token and start_after wins
    assert _names(filled, start_after="b/2", token="ba") == ["c/d/e/f", "z"]
    assert _names(filled, start_after="ba", token="b/2") == ["c/d/e/f", "z"]
    assert _names(filled, start_after="z") == []


def test_one_level(filled: Store) -> None:
    res = _ls(filled, one_level=True)
    assert [it.name for it in res.items] == TOP
    dirs = {it.name for it in res.items if it.is_dir}
    assert dirs == {"b/", "c/"}
    sizes = {it.name: it.size for it in res.items if not it.is_dir}
    assert sizes == {n: 2 * len(n) for n in ("a", "a b", "B", "ba", "z")}

    res = _ls(filled, prefix="b/", one_level=True)
    assert [(it.name, it.is_dir) for it in res.items] == [
        ("b/1", False), ("b/2", False), ("b/sub/", True), ("b/ü", False)]
    assert _names(filled, prefix="b/s", one_level=True) == ["b/sub/"]
    assert _names(filled, prefix="b/sub/", one_level=True) == ["b/sub/x", "b/sub/y"]
    assert _names(filled, prefix="c/d/", one_level=True) == ["c/d/e/"]


def test_one_level_pages(filled: Store) -> None:
    for page in (1, 2, 3):
        assert _all_pages(filled, page, one_level=True) == TOP


def test_skip_prefix(filled: Store) -> None:
    assert _names(filled, prefix="b/", skip_prefix="b/sub/") == ["b/1", "b/2", "b/ü"]
    assert _names(filled, one_level=True, skip_prefix="b/") == [n for n in TOP if n != "b/"]


def test_with_meta(filled: Store) -> None:
    st = filled
    run(st.svc.put_bytes(st.bck, "a", b"again"))  # version 2, no custom
    items = {it.name: it for it in _ls(st, with_meta=True).items}
    meta, path = st.svc.stat(st.bck, "a")
    a = items["a"]
    assert a.meta is not None and a.size == 5 and a.path == path
    assert (a.meta.cksum_value, a.meta.version, a.meta.custom) == (meta.cksum_value, "2", {})
    assert items["z"].meta.version == "1"  # type: ignore[union-attr]
    assert items["b/1"].meta.custom == {"src": "b"}  # type: ignore[union-attr]
    assert items["b/1"].meta.name == "b/1"  # type: ignore[union-attr]


def test_long_names_listed_from_metadata(store: Store) -> None:
    long = "d/" + "x" * 300
    run(store.svc.put_bytes(store.bck, long, b"1"))
    run(store.svc.put_bytes(store.bck, "y" * 300, b"2"))
    assert _names(store) == [long, "y" * 300]
    assert _names(store, prefix="d/") == [long]
    assert _names(store, prefix="d/", one_level=True) == [long]


def test_prefix_under_hashed_directory(store: Store) -> None:
    name = "L" * 300 + "/sub/obj"
    run(store.svc.put_bytes(store.bck, name, b"1"))
    assert _names(store) == [name]
    assert _names(store, prefix="L") == [name]


def test_one_level_shows_hashed_directory(store: Store) -> None:
    d = "L" * 300 + "/"
    run(store.svc.put_bytes(store.bck, d + "obj", b"1"))
    assert _names(store, one_level=True) == [d]


def test_one_level_prefix_with_empty_segment(store: Store) -> None:
    run(store.svc.put_bytes(store.bck, "a//b", b"1"))
    assert _names(store, prefix="a//", one_level=True) == ["a//b"]


def test_parse_props() -> None:
    assert parse_props("") == {"name", "size"}
    assert parse_props("all") == set(m.OBJ_PROPS)
    assert parse_props("size, checksum") == {"name", "size", "checksum"}
    with pytest.raises(InvalidRequest):
        parse_props("size,bogus")
