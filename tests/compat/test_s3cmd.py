"""s3cmd against `/s3` (path style, SigV4, config file): mb, put (plain and multipart), get
with its MD5 check, ls, la, info, del, rb."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import NodeProcess

from .conftest import BIN, purge_bucket, unique

S3CMD = BIN / "s3cmd"
MiB = 1 << 20

pytestmark = pytest.mark.skipif(not S3CMD.exists(), reason=f"s3cmd not installed at {S3CMD}")


@pytest.fixture(scope="module")
def s3cmd(node: NodeProcess, cli_env: dict[str, str],
          tmp_path_factory: pytest.TempPathFactory) -> Any:
    cfg = tmp_path_factory.mktemp("s3cmd") / "s3cfg"
    host = f"127.0.0.1:{node.port}/s3"
    cfg.write_text("[default]\naccess_key = testing\nsecret_key = testing\n"
                   f"host_base = {host}\nhost_bucket = {host}\nuse_https = False\n"
                   "bucket_location = us-east-1\nsignature_v2 = False\n")

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([str(S3CMD), "-c", str(cfg), *args], env=cli_env,
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"s3cmd {' '.join(args)} -> {p.returncode}\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        assert "WARNING" not in p.stderr, p.stderr
        return p

    return run


def _md5(p: Path) -> str:
    return hashlib.md5(p.read_bytes()).hexdigest()


def test_s3cmd(s3cmd: Any, admin: Any, tmp_path: Path) -> None:
    name = unique("s3cmd")
    url = f"s3://{name}"
    try:
        assert f"Bucket '{url}/' created" in s3cmd("mb", url).stdout
        small = tmp_path / "small.txt"
        small.write_text("hello s3cmd\n")
        mid = tmp_path / "mid.bin"
        mid.write_bytes(os.urandom(12 * MiB))
        s3cmd("put", str(small), f"{url}/dir/small.txt")
        s3cmd("put", "--multipart-chunk-size-mb=5", str(mid), f"{url}/mp dir/mid ü.bin")
        head = admin.head_object(Bucket=name, Key="mp dir/mid ü.bin")
        assert head["ETag"].endswith('-3"') and head["ContentLength"] == 12 * MiB
        assert f"md5:{_md5(mid)}" in head["Metadata"]["s3cmd-attrs"]
        assert admin.head_object(Bucket=name, Key="dir/small.txt")["ETag"] == f'"{_md5(small)}"'
        assert f"{url}" in s3cmd("ls").stdout
        ls = s3cmd("ls", url).stdout
        assert f"DIR  {url}/dir/" in ls and f"DIR  {url}/mp dir/" in ls
        rls = s3cmd("ls", "-r", url).stdout.splitlines()
        assert [ln.split(None, 3)[3] for ln in rls] == [f"{url}/dir/small.txt",
                                                       f"{url}/mp dir/mid ü.bin"]
        assert str(12 * MiB) in rls[1]
        info = s3cmd("info", f"{url}/dir/small.txt").stdout
        assert "File size: 12" in info and f"MD5 sum:   {_md5(small)}" in info
        info = s3cmd("info", f"{url}/mp dir/mid ü.bin").stdout
        assert f"File size: {12 * MiB}" in info and f"MD5 sum:   {_md5(mid)}" in info
        info = s3cmd("info", url).stdout
        assert "Location:  us-east-1" in info
        for src, dst in [(f"{url}/dir/small.txt", tmp_path / "small.out"),
                         (f"{url}/mp dir/mid ü.bin", tmp_path / "mid.out")]:
            out = s3cmd("get", src, str(dst)).stdout
            assert "download:" in out
        assert _md5(tmp_path / "small.out") == _md5(small)
        assert _md5(tmp_path / "mid.out") == _md5(mid)
        # server-side copy, and modify (CopyObject REPLACE onto itself)
        s3cmd("cp", f"{url}/dir/small.txt", f"{url}/copy ü+.txt")
        s3cmd("modify", "--add-header=Cache-Control: max-age=5", f"{url}/copy ü+.txt")
        head = admin.head_object(Bucket=name, Key="copy ü+.txt")
        assert head["CacheControl"] == "max-age=5" and head["ETag"] == f'"{_md5(small)}"'
        p = s3cmd("rb", url, check=False)
        assert p.returncode != 0 and "BucketNotEmpty" in p.stderr
        out = s3cmd("del", f"{url}/dir/small.txt", f"{url}/mp dir/mid ü.bin",
                    f"{url}/copy ü+.txt").stdout
        assert out.count("delete:") == 3
        assert "Contents" not in admin.list_objects_v2(Bucket=name)
        assert f"Bucket '{url}/' removed" in s3cmd("rb", url).stdout
        assert name not in [b["Name"] for b in admin.list_buckets()["Buckets"]]
    finally:
        purge_bucket(admin, name)


def test_s3cmd_sync_and_recursive(s3cmd: Any, admin: Any, tmp_path: Path) -> None:
    name = unique("s3cmd-sync")
    url = f"s3://{name}"
    src = tmp_path / "tree"
    files = {"a.txt": b"a", "d1/b.txt": b"bb", "d1/d2/c d.bin": os.urandom(70_000)}
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    try:
        s3cmd("mb", url)
        s3cmd("sync", f"{src}/", f"{url}/t/")
        keys = [o["Key"] for o in admin.list_objects_v2(Bucket=name)["Contents"]]
        assert keys == sorted(f"t/{k}" for k in files)
        dst = tmp_path / "back"
        s3cmd("sync", f"{url}/t/", f"{dst}/")
        assert {str(p.relative_to(dst)): p.read_bytes() for p in dst.rglob("*")
                if p.is_file()} == files
        s3cmd("del", "--recursive", "--force", f"{url}/t/")
        s3cmd("rb", url)
    finally:
        purge_bucket(admin, name)
