"""Work files: fill while hashing, commit by rename, abort leaves nothing."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import xxhash

from aisnode.core.storage import layout
from aisnode.core.storage.atomic_write import INLINE_LIMIT, WorkFile
from aisnode.errors import EntityTooLarge, IncompleteBody, InvalidRequest, NameConflict


async def _body(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


def _wk(mp: Path) -> list[str]:
    d = layout.work_dir(str(mp))
    return os.listdir(d) if os.path.isdir(d) else []


def test_fill_commit(tmp_path: Path) -> None:
    wf = WorkFile(str(tmp_path), "xxhash2", ("md5",))
    asyncio.run(wf.fill(_body(b"hello ", b"", b"world"), expected=11))
    assert wf.size == 11
    assert wf.digest() == xxhash.xxh64(b"hello world").hexdigest()
    assert wf.extra_digest("md5") == hashlib.md5(b"hello world").hexdigest()
    dst = tmp_path / "deep" / "er" / "obj"
    wf.commit(str(dst), fsync=True)
    assert dst.read_bytes() == b"hello world"
    assert _wk(tmp_path) == []


def test_large_fill_goes_through_thread(tmp_path: Path) -> None:
    data = os.urandom(INLINE_LIMIT * 2 + 3)
    wf = WorkFile(str(tmp_path), "md5")
    asyncio.run(wf.fill(_body(data[:1000], data[1000:]), expected=len(data)))
    assert wf.digest() == hashlib.md5(data).hexdigest()
    wf.commit(str(tmp_path / "o"), fsync=False)
    assert (tmp_path / "o").read_bytes() == data


def test_extra_same_as_main_type(tmp_path: Path) -> None:
    wf = WorkFile(str(tmp_path), "md5", ("md5",))
    asyncio.run(wf.fill(_body(b"x")))
    assert wf.extra_digest("md5") == wf.digest() == hashlib.md5(b"x").hexdigest()
    wf.abort()


@pytest.mark.parametrize("parts,expected", [((b"abc",), 5), ((b"abcdef",), 5), ((), 1)])
def test_wrong_length(tmp_path: Path, parts: tuple[bytes, ...], expected: int) -> None:
    wf = WorkFile(str(tmp_path), "xxhash2")
    with pytest.raises(IncompleteBody):
        asyncio.run(wf.fill(_body(*parts), expected=expected))
    wf.abort()
    assert _wk(tmp_path) == []


def test_limit(tmp_path: Path) -> None:
    wf = WorkFile(str(tmp_path), "xxhash2")
    with pytest.raises(EntityTooLarge):
        asyncio.run(wf.fill(_body(b"12345", b"6"), limit=5))
    wf.abort()
    wf.abort()  # idempotent
    assert _wk(tmp_path) == []


def test_commit_replaces_atomically(tmp_path: Path) -> None:
    dst = tmp_path / "obj"
    dst.write_bytes(b"old")
    wf = WorkFile(str(tmp_path), "none")
    asyncio.run(wf.fill(_body(b"new")))
    assert wf.digest() == ""
    wf.commit(str(dst), fsync=False)
    assert dst.read_bytes() == b"new"


def test_commit_name_conflicts(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")
    wf = WorkFile(str(tmp_path), "xxhash2")
    asyncio.run(wf.fill(_body(b"y")))
    with pytest.raises(NameConflict):
        wf.commit(str(tmp_path / "file" / "child"), fsync=False)
    wf.abort()
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    wf = WorkFile(str(tmp_path), "xxhash2")
    asyncio.run(wf.fill(_body(b"y")))
    with pytest.raises(NameConflict):
        wf.commit(str(tmp_path / "dir"), fsync=False)
    wf.abort()
    assert _wk(tmp_path) == []
    assert (tmp_path / "file").read_bytes() == b"x"


def test_unknown_checksum_leaves_no_work_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest):
        WorkFile(str(tmp_path), "xxhash2", ("bogus",))
    assert _wk(tmp_path) == []
