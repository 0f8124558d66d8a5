"""rclone against `/s3` (remote configured through the environment, `AWS_CA_BUNDLE` unset):
copy and sync a directory tree with nested dirs and odd names, `rclone check` it back, ls."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import NodeProcess

from .conftest import purge_bucket, unique

RCLONE = shutil.which("rclone")
MiB = 1 << 20

pytestmark = pytest.mark.skipif(
    RCLONE is None, reason="rclone not on PATH (scripts/install-system-deps.sh installs it)")


@pytest.fixture(scope="module")
def rclone(node: NodeProcess, cli_env: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> Any:
    env = dict(cli_env)  # no AWS_CA_BUNDLE: rclone refuses to start with it set
    env.update({
        "RCLONE_CONFIG": str(tmp_path_factory.mktemp("rclone") / "none.conf"),
        "RCLONE_CONFIG_T_TYPE": "s3", "RCLONE_CONFIG_T_PROVIDER": "Other",
        "RCLONE_CONFIG_T_ENDPOINT": f"{node.url}/s3",
        "RCLONE_CONFIG_T_ACCESS_KEY_ID": "testing",
        "RCLONE_CONFIG_T_SECRET_ACCESS_KEY": "testing",
        "RCLONE_CONFIG_T_REGION": "us-east-1", "RCLONE_CONFIG_T_FORCE_PATH_STYLE": "true",
    })

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([str(RCLONE), "--retries", "1", "--low-level-retries", "1", *args],
                           env=env, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"rclone {' '.join(args)} -> {p.returncode}\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    return run


def _tree(root: Path) -> dict[str, bytes]:
    files = {
        "top.txt": b"top level\n",
        "a/b/c/deep.bin": os.urandom(3 * MiB + 5),
        "a/b/sibling.txt": b"sib",
        "odd names/sp ace & amp+plus=eq;semi.txt": b"odd",
        "odd names/ünïcødé ✓/日本.txt": "日本".encode(),
        "odd names/percent%41 hash#.txt": b"pct",
        "odd names/quote's (paren) [brk].txt": b"q",
        "empty.dat": b"",
        "big/multipart.bin": os.urandom(6 * MiB),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def _read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file()}


def test_copy_sync_check(rclone: Any, admin: Any, tmp_path: Path) -> None:
    name = unique("rclone")
    src = tmp_path / "src"
    files = _tree(src)
    try:
        rclone("mkdir", f"t:{name}")
        # small upload cutoff: the 6 MiB file goes up as a multipart upload
        rclone("copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", str(src),
               f"t:{name}/tree")
        head = admin.head_object(Bucket=name, Key="tree/big/multipart.bin")
        assert head["ETag"].endswith('-2"')
        keys = [o["Key"] for p in admin.get_paginator("list_objects_v2").paginate(Bucket=name)
                for o in p.get("Contents", [])]
        assert keys == sorted(f"tree/{k}" for k in files)
        rclone("check", str(src), f"t:{name}/tree")
        ls = rclone("ls", f"t:{name}/tree").stdout.splitlines()
        assert sorted((ln.split(None, 1)[1], int(ln.split(None, 1)[0])) for ln in ls) == sorted(
            (k, len(v)) for k, v in files.items())
        lsd = rclone("lsd", f"t:{name}/tree").stdout
        assert all(d in lsd for d in ("a", "big", "odd names"))
        assert rclone("cat", f"t:{name}/tree/odd names/ünïcødé ✓/日本.txt").stdout == "日本"
        assert rclone("cat", "--offset", "4", "--count", "5", f"t:{name}/tree/top.txt"
                      ).stdout == "level"
        # md5sum: ETags of single PUTs, rclone's own metadata for the multipart one
        sums = dict(reversed(ln.split("  ", 1)) for ln in rclone(
            "md5sum", f"t:{name}/tree").stdout.splitlines())
        assert sums == {k: hashlib.md5(v).hexdigest() for k, v in files.items()}
        # server-side copy and move (CopyObject), then touch (CopyObject REPLACE onto itself)
        rclone("copyto", f"t:{name}/tree/a/b/sibling.txt", f"t:{name}/side/copy ü+.txt")
        rclone("moveto", f"t:{name}/side/copy ü+.txt", f"t:{name}/side/moved.txt")
        assert rclone("cat", f"t:{name}/side/moved.txt").stdout == "sib"
        rclone("touch", "-t", "2020-01-02T03:04:05", f"t:{name}/side/moved.txt")
        assert "2020-01-02 03:04:05" in rclone("lsl", f"t:{name}/side").stdout
        assert rclone("lsf", f"t:{name}/side").stdout.split() == ["moved.txt"]
        rclone("purge", f"t:{name}/side")
        # change, delete and add locally, sync, check again
        (src / "top.txt").write_bytes(b"changed top\n")
        (src / "a/b/sibling.txt").unlink()
        (src / "new dir").mkdir()
        (src / "new dir/new.txt").write_bytes(b"new")
        rclone("sync", str(src), f"t:{name}/tree")
        rclone("check", str(src), f"t:{name}/tree")
        assert rclone("cat", f"t:{name}/tree/top.txt").stdout == "changed top\n"
        # a corrupted remote object is noticed by check
        admin.put_object(Bucket=name, Key="tree/a/b/c/deep.bin", Body=b"not the same")
        p = rclone("check", str(src), f"t:{name}/tree", check=False)
        assert p.returncode != 0 and "deep.bin" in p.stderr
        rclone("sync", str(src), f"t:{name}/tree")
        # back down, compare bytes
        back = tmp_path / "back"
        rclone("copy", f"t:{name}/tree", str(back))
        assert _read_tree(back) == _read_tree(src)
        rclone("purge", f"t:{name}")
        assert name not in [b["Name"] for b in admin.list_buckets()["Buckets"]]
    finally:
        purge_bucket(admin, name)
