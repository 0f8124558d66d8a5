"""s3fs / fsspec (aiobotocore underneath) against `/s3`: mkdir, open/write/read (incl.
multipart writes and ranged reads), ls, info, glob, find, cp, rm, rmdir.

No `region_name` in client_kwargs: with it, `mkdir` sends LocationConstraint=us-east-1 (see
BACKENDS.md)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import purge_bucket, unique

s3fs = pytest.importorskip("s3fs")
MiB = 1 << 20


@pytest.fixture(scope="module")
def fs(endpoint: str) -> Iterator[Any]:
    f = s3fs.S3FileSystem(key="testing", secret="testing", endpoint_url=endpoint,
                          skip_instance_cache=True, use_listings_cache=False)
    yield f


@pytest.fixture
def bucket(fs: Any, admin: Any) -> Iterator[str]:
    name = unique("s3fs")
    fs.mkdir(name)
    yield name
    purge_bucket(admin, name)


def test_mkdir_ls_rmdir(fs: Any, admin: Any) -> None:
    name = unique("s3fs-bck")
    try:
        fs.mkdir(name)
        admin.head_bucket(Bucket=name)
        assert name in fs.ls("")
        assert fs.exists(name) and fs.isdir(name)
        assert fs.ls(name) == []
        fs.rmdir(name)
        assert not fs.exists(name)
        with pytest.raises(FileNotFoundError):
            fs.ls(name)
    finally:
        purge_bucket(admin, name)


def test_open_read_write(fs: Any, bucket: str, admin: Any) -> None:
    with fs.open(f"{bucket}/dir/hello.txt", "wb") as f:
        f.write(b"hello ")
        f.write(b"s3fs")
    with fs.open(f"{bucket}/dir/hello.txt", "rb") as f:
        assert f.read() == b"hello s3fs"
    assert fs.cat(f"{bucket}/dir/hello.txt") == b"hello s3fs"
    fs.pipe(f"{bucket}/dir/text ü.txt", "ünïcødé\n".encode())
    with fs.open(f"{bucket}/dir/text ü.txt", "r", encoding="utf-8") as f:
        assert f.read() == "ünïcødé\n"
    # a write bigger than the block size goes up as a multipart upload
    data = os.urandom(11 * MiB + 3)
    with fs.open(f"{bucket}/big.bin", "wb", block_size=5 * MiB) as f:
        for i in range(0, len(data), MiB):
            f.write(data[i:i + MiB])
    head = admin.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')
    with fs.open(f"{bucket}/big.bin", "rb", block_size=MiB) as f:
        f.seek(5 * MiB - 10)
        assert f.read(20) == data[5 * MiB - 10:5 * MiB + 10]
        f.seek(-5, 2)
        assert f.read() == data[-5:]
    assert hashlib.md5(fs.cat(f"{bucket}/big.bin")).digest() == hashlib.md5(data).digest()
    assert fs.cat_file(f"{bucket}/big.bin", start=100, end=110) == data[100:110]
    info = fs.info(f"{bucket}/dir/hello.txt")
    assert info["size"] == 10 and info["type"] == "file"
    assert info["ETag"] == f'"{hashlib.md5(b"hello s3fs").hexdigest()}"'
    assert fs.info(f"{bucket}/dir")["type"] == "directory"
    with pytest.raises(FileNotFoundError):
        fs.info(f"{bucket}/nope")
    with pytest.raises(FileNotFoundError):
        fs.cat(f"{bucket}/nope")


def test_ls_glob_find_cp_rm(fs: Any, bucket: str) -> None:
    for k in ["a/1.txt", "a/2.csv", "a/b/3.txt", "c.txt", "d d/4.txt"]:
        fs.pipe(f"{bucket}/{k}", k.encode())
    assert sorted(fs.ls(bucket)) == [f"{bucket}/{p}" for p in ("a", "c.txt", "d d")]
    detail = {e["name"]: e for e in fs.ls(f"{bucket}/a", detail=True)}
    assert detail[f"{bucket}/a/1.txt"]["size"] == 7
    assert detail[f"{bucket}/a/b"]["type"] == "directory"
    assert sorted(fs.glob(f"{bucket}/a/*.txt")) == [f"{bucket}/a/1.txt"]
    assert sorted(fs.glob(f"{bucket}/**/*.txt")) == [
        f"{bucket}/{k}" for k in ("a/1.txt", "a/b/3.txt", "c.txt", "d d/4.txt")]
    assert fs.find(f"{bucket}/a") == [f"{bucket}/a/1.txt", f"{bucket}/a/2.csv",
                                      f"{bucket}/a/b/3.txt"]
    assert fs.du(f"{bucket}/a") == 7 + 7 + 9
    fs.cp(f"{bucket}/c.txt", f"{bucket}/copy/c.txt")
    assert fs.cat(f"{bucket}/copy/c.txt") == b"c.txt"
    fs.mv(f"{bucket}/copy/c.txt", f"{bucket}/moved.txt")
    assert not fs.exists(f"{bucket}/copy/c.txt") and fs.cat(f"{bucket}/moved.txt") == b"c.txt"
    fs.rm(f"{bucket}/a", recursive=True)  # multi-object delete
    assert not fs.exists(f"{bucket}/a/1.txt")
    fs.rm(f"{bucket}/c.txt")
    assert sorted(fs.find(bucket)) == [f"{bucket}/d d/4.txt", f"{bucket}/moved.txt"]
    fs.touch(f"{bucket}/touched")
    assert fs.info(f"{bucket}/touched")["size"] == 0
    fs.rm(bucket, recursive=True)  # the objects, then the bucket
    assert not fs.exists(bucket)


def test_put_get_files(fs: Any, bucket: str, tmp_path: Any) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "x.txt").write_bytes(b"x")
    (src / "sub" / "y.bin").write_bytes(os.urandom(1000))
    fs.put(str(src), f"{bucket}/up", recursive=True)
    assert sorted(fs.find(f"{bucket}/up")) == [f"{bucket}/up/sub/y.bin", f"{bucket}/up/x.txt"]
    dst = tmp_path / "dst"
    fs.get(f"{bucket}/up", str(dst), recursive=True)
    assert (dst / "sub" / "y.bin").read_bytes() == (src / "sub" / "y.bin").read_bytes()
    assert (dst / "x.txt").read_bytes() == b"x"
