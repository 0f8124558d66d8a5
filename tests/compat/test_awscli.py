"""aws CLI v1 against `/s3`: the `aws s3` high-level commands (mb/cp/ls/rm/rb/sync, incl. a
multipart-sized file) and the `s3api` multipart sequence from the AIS docs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import BIN, purge_bucket, unique

AWS = BIN / "aws"
MiB = 1 << 20

pytestmark = pytest.mark.skipif(not AWS.exists(), reason=f"aws CLI not installed at {AWS}")


@pytest.fixture(scope="module")
def aws(endpoint: str, cli_env: dict[str, str]) -> Any:
    def run(*args: str, check: bool = True, stdin: bytes | None = None
            ) -> subprocess.CompletedProcess[bytes]:
        p = subprocess.run([str(AWS), "--endpoint-url", endpoint, *args], env=cli_env,
                           capture_output=True, input=stdin, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} -> {p.returncode}\n"
                                 f"stdout: {p.stdout.decode()}\nstderr: {p.stderr.decode()}")
        return p

    return run


@pytest.fixture
def bucket(admin: Any) -> Iterator[str]:
    name = unique("awscli")
    admin.create_bucket(Bucket=name)
    yield name
    purge_bucket(admin, name)


def both(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent CLI calls side by side (each `aws` start costs ~1.5 s)."""
    with ThreadPoolExecutor(len(calls)) as ex:
        return [f.result() for f in [ex.submit(c) for c in calls]]


def _md5(p: Path) -> str:
    return hashlib.md5(p.read_bytes()).hexdigest()


def test_s3_commands(aws: Any, admin: Any, tmp_path: Path) -> None:
    name = unique("awscli-s3")
    try:
        out = aws("s3", "mb", f"s3://{name}").stdout.decode()
        assert f"make_bucket: {name}" in out
        small = tmp_path / "small file.txt"
        small.write_bytes(b"hello aws cli\n")
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(21 * MiB))
        both(lambda: aws("s3", "cp", str(small), f"s3://{name}/dir one/small file.txt"),
             lambda: aws("s3", "cp", "--no-progress", str(big), f"s3://{name}/big.bin"))
        head = admin.head_object(Bucket=name, Key="big.bin")
        assert head["ContentLength"] == 21 * MiB and head["ETag"].endswith('-3"')  # 8 MiB parts
        assert admin.head_object(Bucket=name, Key="dir one/small file.txt")["ETag"] == \
            f'"{_md5(small)}"'
        # listings, presign, download (ranged GETs for the big one) and a refused rb of the
        # non-empty bucket, side by side
        ls, rls, pre, _, rb = both(
            lambda: aws("s3", "ls", f"s3://{name}/"),
            lambda: aws("s3", "ls", "--recursive", f"s3://{name}"),
            lambda: aws("s3", "presign", f"s3://{name}/dir one/small file.txt"),
            lambda: aws("s3", "cp", "--no-progress", f"s3://{name}/big.bin", str(tmp_path / "out")),
            lambda: aws("s3", "rb", f"s3://{name}", check=False))
        ls = ls.stdout.decode()
        assert "PRE dir one/" in ls and "big.bin" in ls and str(21 * MiB) in ls
        rls = rls.stdout.decode().splitlines()
        assert [ln.split(maxsplit=3)[3] for ln in rls] == ["big.bin", "dir one/small file.txt"]
        url = pre.stdout.decode().strip()
        assert "Signature=" in url  # SigV2 query auth, aws CLI's default for a custom endpoint
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.read() == small.read_bytes()
        assert _md5(tmp_path / "out") == _md5(big)
        assert rb.returncode != 0 and b"BucketNotEmpty" in rb.stderr
        out = aws("s3", "rm", "--recursive", f"s3://{name}/").stdout.decode()
        assert out.count("delete:") == 2
        assert "Contents" not in admin.list_objects_v2(Bucket=name)
        aws("s3", "rb", f"s3://{name}")
        assert name not in [b["Name"] for b in admin.list_buckets()["Buckets"]]
    finally:
        purge_bucket(admin, name)


def test_sync(aws: Any, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = {"a.txt": b"a" * 10, "sub dir/b.bin": os.urandom(300_000),
             "sub dir/deeper/ü c.txt": b"unicode", "plus+sign.txt": b"+"}
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    out = aws("s3", "sync", str(src), f"s3://{bucket}/tree").stdout.decode()
    assert out.count("upload:") == len(files)
    (src / "a.txt").write_bytes(b"changed, longer")
    (src / "plus+sign.txt").unlink()
    out = aws("s3", "sync", "--delete", str(src), f"s3://{bucket}/tree").stdout.decode()
    # only the changed file goes up again (the others compare equal by size and time)
    assert out.count("upload:") == 1 and "a.txt" in out
    assert out.count("delete:") == 1 and "plus+sign.txt" in out
    dst = tmp_path / "dst"
    aws("s3", "sync", f"s3://{bucket}/tree", str(dst))
    got = {str(p.relative_to(dst)): p.read_bytes() for p in dst.rglob("*") if p.is_file()}
    want = {str(p.relative_to(src)): p.read_bytes() for p in src.rglob("*") if p.is_file()}
    assert got == want


def test_s3api_multipart_sequence(aws: Any, bucket: str, admin: Any, tmp_path: Path
                                  ) -> None:
    def api(*args: str) -> Any:
        out = aws("s3api", *args, "--output", "json").stdout
        return json.loads(out) if out.strip() else {}

    key = "mpu/object.bin"
    p1, p2 = tmp_path / "part1", tmp_path / "part2"
    p1.write_bytes(os.urandom(5 * MiB))
    p2.write_bytes(os.urandom(MiB + 17))
    uid = api("create-multipart-upload", "--bucket", bucket, "--key", key)["UploadId"]
    r1, r2 = both(*[lambda n=n, p=p: api("upload-part", "--bucket", bucket, "--key", key,
                                         "--part-number", str(n), "--body", str(p),
                                         "--upload-id", uid) for n, p in ((1, p1), (2, p2))])
    e1, e2 = r1["ETag"], r2["ETag"]
    assert (e1, e2) == (f'"{_md5(p1)}"', f'"{_md5(p2)}"')
    parts = api("list-parts", "--bucket", bucket, "--key", key, "--upload-id", uid)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts["Parts"]] == [
        (1, e1, 5 * MiB), (2, e2, MiB + 17)]
    doc = tmp_path / "parts.json"
    doc.write_text(json.dumps({"Parts": [{"PartNumber": 1, "ETag": e1},
                                         {"PartNumber": 2, "ETag": e2}]}))
    done = api("complete-multipart-upload", "--bucket", bucket, "--key", key, "--upload-id", uid,
               "--multipart-upload", f"file://{doc}")
    want = hashlib.md5(bytes.fromhex(_md5(p1)) + bytes.fromhex(_md5(p2))).hexdigest() + "-2"
    assert done["ETag"] == f'"{want}"' and done["Key"] == key and done["Bucket"] == bucket
    out = tmp_path / "range.out"
    head, r = both(lambda: api("head-object", "--bucket", bucket, "--key", key),
                   lambda: api("get-object", "--bucket", bucket, "--key", key,
                               "--range", "bytes=5242870-5242889", str(out)))
    assert head["ContentLength"] == 6 * MiB + 17 and head["ETag"] == f'"{want}"'
    assert r["ContentRange"] == f"bytes 5242870-5242889/{6 * MiB + 17}"
    assert r["ContentLength"] == 20
    assert out.read_bytes() == (p1.read_bytes() + p2.read_bytes())[5242870:5242890]
    assert not admin.list_multipart_uploads(Bucket=bucket).get("Uploads")
