"""`aisctl` against a real single-node server: commands, output wording and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import NodeProcess

from .conftest import Aisctl, subprocess_env


def ok(r: subprocess.CompletedProcess[bytes]) -> str:
    """Stdout of a successful run (fails the test with stderr otherwise)."""
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr.decode()}"
    return r.stdout.decode()


def fails(r: subprocess.CompletedProcess[bytes], code: int = 1) -> str:
    """The single `Error:` line of a failed run."""
    err = r.stderr.decode()
    assert r.returncode == code, f"exit {r.returncode}, stdout={r.stdout!r} stderr={err!r}"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


def rows(out: str) -> list[list[str]]:
    """Table lines split on runs of 2+ spaces (header included), footer lines excluded."""
    return [re.split(r"\s{2,}", ln.strip()) for ln in out.splitlines()
            if ln.strip() and not ln.startswith("Listed ")]


def props_table(out: str) -> dict[str, str]:
    t = rows(out)
    assert t[0] == ["PROPERTY", "VALUE"]
    return {r[0]: r[1] if len(r) > 1 else "" for r in t[1:]}


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- buckets -------------------------------------------------------------------------------------
def test_create_with_kv_props_then_show(aisctl: Aisctl) -> None:
    uri = "ais://cli-props-kv"
    out = ok(aisctl("create", uri, "--props", "checksum.type=md5 versioning.enabled=false"))
    try:
        assert out == f'"{uri}" created\n'
        shown = props_table(ok(aisctl("bucket", "props", "show", uri, "checksum")))
        assert shown["checksum.type"] == "md5"
        assert all(k.startswith("checksum") for k in shown)
        doc = json.loads(ok(aisctl("bucket", "props", "show", uri, "versioning", "--json")))
        assert doc["versioning"]["enabled"] is False
        full = json.loads(ok(aisctl("show", "bucket", uri, "--json")))
        assert full["checksum"]["type"] == "md5" and full["provider"] == "ais"
    finally:
        ok(aisctl("bucket", "rm", uri, "--yes"))


def test_create_with_json_props_and_several_buckets(aisctl: Aisctl) -> None:
    a, b = "ais://cli-json-a", "ais://cli-json-b"
    out = ok(aisctl("bucket", "create", a, b, "--props", '{"checksum":{"type":"sha256"}}'))
    try:
        assert out.splitlines() == [f'"{a}" created', f'"{b}" created']
        for uri in (a, b):
            shown = props_table(ok(aisctl("bucket", "props", "show", uri)))
            assert shown["checksum.type"] == "sha256"
        listed = rows(ok(aisctl("ls")))
        assert listed[0] == ["NAME", "PRESENT"]
        assert [a, "yes"] in listed and [b, "yes"] in listed
        assert [a, "yes"] in rows(ok(aisctl("ls", "ais://")))
        assert [a, "yes"] in rows(ok(aisctl("bucket", "ls")))
    finally:
        ok(aisctl("rmb", a, b, "--yes"))


def test_create_existing_bucket_fails(aisctl: Aisctl, bucket: str) -> None:
    line = fails(aisctl("create", bucket))
    assert bucket in line and "already exists" in line


def test_props_set_and_reset(aisctl: Aisctl, bucket: str) -> None:
    before = props_table(ok(aisctl("bucket", "props", "show", bucket)))
    old = before["checksum.type"]
    assert old != "md5"
    out = ok(aisctl("bucket", "props", "set", bucket, "checksum.type=md5", "mirror.copies=3"))
    assert out.splitlines() == [
        "Bucket props successfully updated",
        f'"checksum.type" set to: "md5" (was: "{old}")',
        f'"mirror.copies" set to: "3" (was: "{before["mirror.copies"]}")',
    ]
    out = ok(aisctl("bucket", "props", "set", bucket, "checksum.type=md5"))
    assert out == f'Bucket "{bucket}" already has the same values of props, nothing to do\n'
    out = ok(aisctl("bucket", "props", "set", bucket, '{"versioning": {"enabled": false}}'))
    assert '"versioning.enabled" set to: "false" (was: "true")' in out
    shown = props_table(ok(aisctl("bucket", "props", "show", bucket)))
    assert shown["checksum.type"] == "md5" and shown["versioning.enabled"] == "false"
    assert shown["mirror.copies"] == "3"

    assert ok(aisctl("bucket", "props", "reset", bucket)) == "Bucket props successfully reset\n"
    after = props_table(ok(aisctl("bucket", "props", "show", bucket)))
    assert after["checksum.type"] == old
    assert after["versioning.enabled"] == before["versioning.enabled"]
    assert after["mirror.copies"] == before["mirror.copies"]


def test_props_set_invalid(aisctl: Aisctl, bucket: str) -> None:
    assert "checksum" in fails(aisctl("bucket", "props", "set", bucket, "checksum.type=bogus"))
    assert "nonexistent" in fails(aisctl("bucket", "props", "set", bucket, "nonexistent.key=1"))
    fails(aisctl("bucket", "props", "set", bucket, "checksum.type"), code=2)


def test_bucket_rm(aisctl: Aisctl) -> None:
    uri = "ais://cli-rm-me"
    ok(aisctl("create", uri))
    ok(aisctl("put", "-", f"{uri}/x", input=b"data"))
    assert ok(aisctl("bucket", "rm", uri, "--yes")) == f'"{uri}" bucket destroyed\n'
    assert uri in fails(aisctl("ls", uri))
    assert uri in fails(aisctl("bucket", "rm", uri, "--yes"))


# --- put / ls ------------------------------------------------------------------------------------
def test_put_file_default_name_and_ls_props(aisctl: Aisctl, bucket: str, tmp_path: Path) -> None:
    f = write(tmp_path / "dir" / "hello.txt", b"x" * 1536)
    out = ok(aisctl("put", str(f), bucket))
    assert out == f'PUT "{f}" => {bucket}/hello.txt\n'
    ok(aisctl("put", str(f), f"{bucket}/renamed.bin"))
    ok(aisctl("put", str(f), f"{bucket}/sub/"))

    out = ok(aisctl("ls", bucket))
    assert rows(out) == [["NAME", "SIZE"], ["hello.txt", "1.50KiB"], ["renamed.bin", "1.50KiB"],
                         ["sub/hello.txt", "1.50KiB"]]
    assert out.splitlines()[-1] == "Listed 3 names"

    out = ok(aisctl("ls", bucket, "--props", "name,size,checksum,atime,version"))
    t = rows(out)
    assert t[0] == ["NAME", "SIZE", "CHECKSUM", "ATIME", "VERSION"]
    assert t[1][0] == "hello.txt" and t[1][1] == "1.50KiB"
    assert re.fullmatch(r"[0-9a-f]{8,}", t[1][2]), t[1]
    assert t[1][4] == "1"

    t = rows(ok(aisctl("ls", bucket, "--props", "all")))
    assert t[0][:2] == ["NAME", "SIZE"] and "CHECKSUM" in t[0] and "CACHED" in t[0]
    assert t[1][t[0].index("CACHED")] == "yes"

    out = ok(aisctl("ls", bucket, "--name-only", "-H", "-F"))
    assert out.split() == ["hello.txt", "renamed.bin", "sub/hello.txt"]


def test_put_dir_recursive_and_listing_options(aisctl: Aisctl, bucket: str, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    files = {"a.txt": b"a", "b/c.txt": b"cc", "b/d/e.txt": b"eee", "f/g.txt": b"gggg"}
    for rel, data in files.items():
        write(root / rel, data)
    out = ok(aisctl("put", str(root), f"{bucket}/pre", "--recursive"))
    assert re.fullmatch(rf'PUT 4 files \(10B\) from "{re.escape(str(root))}" => '
                        rf"{re.escape(bucket)}/pre in [0-9.]+s\n", out), out
    names = ok(aisctl("ls", bucket, "--name-only", "-H", "-F")).split()
    assert names == sorted(f"pre/{rel}" for rel in files)

    # top-level files only without --recursive
    out = ok(aisctl("put", str(root), f"{bucket}/top/"))
    assert out.startswith("PUT 1 file (1B)")
    assert ok(aisctl("ls", f"{bucket}/top/", "-H", "-F", "--name-only")).split() == ["top/a.txt"]

    # prefix in the URI and as a flag
    t = rows(ok(aisctl("ls", f"{bucket}/pre/b/")))
    assert [r[0] for r in t[1:]] == ["pre/b/c.txt", "pre/b/d/e.txt"]
    t2 = rows(ok(aisctl("ls", bucket, "--prefix", "pre/b/")))
    assert t2 == t

    # non-recursive: one level, directories as NAME/
    t = rows(ok(aisctl("ls", f"{bucket}/pre/", "--nr")))
    assert [r[0] for r in t[1:]] == ["pre/a.txt", "pre/b/", "pre/f/"]

    # paging with a small page size, and a limit
    all_names = ok(aisctl("ls", bucket, "--name-only", "-H", "-F")).split()
    paged = ok(aisctl("ls", bucket, "--name-only", "-H", "-F", "--page-size", "2")).split()
    assert paged == all_names and len(all_names) == 5
    out = ok(aisctl("ls", bucket, "--limit", "3", "--page-size", "2"))
    assert out.splitlines()[-1] == "Listed 3 names"
    assert len(rows(out)) == 4


def test_put_stdin_and_get_stdout_byte_exact(aisctl: Aisctl, bucket: str) -> None:
    data = os.urandom(3 * 1024 * 1024 + 123)  # spans several client chunks
    out = ok(aisctl("put", "-", f"{bucket}/from-stdin.bin", input=data))
    assert out == f"PUT (standard input) => {bucket}/from-stdin.bin\n"
    r = aisctl("get", f"{bucket}/from-stdin.bin", "-")
    assert r.returncode == 0, r.stderr
    assert r.stdout == data
    assert fails(aisctl("put", "-", bucket), code=2).startswith("Error: reading standard input")


def test_get_whole_range_and_default_name(aisctl: Aisctl, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(2 * 1024 * 1024 + 777)
    src = write(tmp_path / "src" / "blob.bin", data)
    ok(aisctl("put", str(src), f"{bucket}/d/blob.bin"))

    out_file = tmp_path / "out.bin"
    out = ok(aisctl("get", f"{bucket}/d/blob.bin", str(out_file)))
    assert out == f'GET "d/blob.bin" from {bucket} as "{out_file}" (2.00MiB)\n'
    assert out_file.read_bytes() == data

    rng = tmp_path / "range.bin"
    out = ok(aisctl("get", f"{bucket}/d/blob.bin", str(rng), "--offset", "1000",
                    "--length", "5000"))
    assert out.endswith("(4.88KiB)\n")
    assert rng.read_bytes() == data[1000:6000]

    r = aisctl("get", f"{bucket}/d/blob.bin", "-", "--offset", str(len(data) - 10))
    assert r.returncode == 0 and r.stdout == data[-10:]
    r = aisctl("get", "--length", "7", f"{bucket}/d/blob.bin", "-")
    assert r.returncode == 0 and r.stdout == data[:7]

    # default output: the object's basename in the current directory; or inside OUT_DIR
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = ok(aisctl("get", f"{bucket}/d/blob.bin", cwd=cwd))
    assert out == f'GET "d/blob.bin" from {bucket} as "blob.bin" (2.00MiB)\n'
    assert (cwd / "blob.bin").read_bytes() == data
    outdir = tmp_path / "outdir"
    outdir.mkdir()
    ok(aisctl("get", f"{bucket}/d/blob.bin", str(outdir)))
    assert (outdir / "blob.bin").read_bytes() == data


def test_object_show(aisctl: Aisctl, bucket: str, tmp_path: Path) -> None:
    f = write(tmp_path / "o.txt", b"y" * 1536)
    ok(aisctl("put", str(f), f"{bucket}/o.txt"))
    t = rows(ok(aisctl("object", "show", f"{bucket}/o.txt")))
    assert t[0] == ["PROPERTY", "VALUE"]
    assert [r[0] for r in t[1:]] == ["checksum", "size", "atime", "version"]
    shown = dict((r[0], r[1]) for r in t[1:])
    assert re.fullmatch(r"[a-z0-9]+\[[0-9a-f]+\]", shown["checksum"]), shown
    assert shown["size"] == "1.50KiB"
    assert shown["version"] == "1"
    assert re.fullmatch(r"\d\d \w{3} \d\d \d\d:\d\d \S+", shown["atime"]), shown

    shown = props_table(ok(aisctl("show", "object", f"{bucket}/o.txt", "--props", "all")))
    assert shown["name"] == f"{bucket}/o.txt"
    assert shown["cached"] == "yes"
    assert shown["custom"] == "-"
    shown = props_table(ok(aisctl("object", "show", f"{bucket}/o.txt", "--props", "size,version")))
    assert list(shown) == ["size", "version"]

    line = fails(aisctl("object", "show", f"{bucket}/missing.txt"))
    assert "missing.txt" in line
    fails(aisctl("object", "show", f"{bucket}/o.txt", "--props", "bogus"), code=2)


def test_version_increments_on_overwrite(aisctl: Aisctl, bucket: str) -> None:
    ok(aisctl("put", "-", f"{bucket}/v", input=b"1"))
    ok(aisctl("put", "-", f"{bucket}/v", input=b"22"))
    shown = props_table(ok(aisctl("object", "show", f"{bucket}/v")))
    assert shown["version"] == "2" and shown["size"] == "2B"


# --- rm ------------------------------------------------------------------------------------------
def test_rm_single_list_and_template(aisctl: Aisctl, bucket: str) -> None:
    for i in range(6):
        ok(aisctl("put", "-", f"{bucket}/obj-{i}.txt", input=str(i).encode()))
    assert ok(aisctl("rm", f"{bucket}/obj-0.txt")) == f'deleted "obj-0.txt" from {bucket}\n'
    assert ok(aisctl("object", "rm", f"{bucket}/obj-1.txt")) == \
        f'deleted "obj-1.txt" from {bucket}\n'
    out = ok(aisctl("rm", bucket, "--list", "obj-2.txt,obj-3.txt"))
    assert out.startswith(f"deleted 2 objects from {bucket} (job ")
    assert ok(aisctl("ls", bucket, "--name-only", "-H", "-F")).split() == ["obj-4.txt", "obj-5.txt"]
    out = ok(aisctl("rm", f"{bucket}/obj-{{4..5}}.txt"))
    assert out.startswith(f'deleted objects matching "obj-{{4..5}}.txt" from {bucket} (job ')
    assert ok(aisctl("ls", bucket)) == "Listed 0 names\n"

    line = fails(aisctl("rm", f"{bucket}/obj-0.txt"))
    assert f"{bucket}/obj-0.txt" in line
    fails(aisctl("rm", bucket), code=2)


# --- cluster -------------------------------------------------------------------------------------
def test_show_cluster(aisctl: Aisctl) -> None:
    out = ok(aisctl("show", "cluster"))
    t = rows(out.split("\n\n")[0])
    assert t[0][:3] == ["NODE", "TYPE", "URL"]
    types = sorted(r[1] for r in t[1:])
    assert types == ["proxy", "target"]
    assert any(r[0].endswith("[P]") for r in t[1:])
    assert "Cluster UUID: " in out and "Proxies:      1" in out
    doc = json.loads(ok(aisctl("show", "cluster", "--json")))
    assert "tmap" in doc and "pmap" in doc


# --- errors --------------------------------------------------------------------------------------
def test_missing_bucket_errors(aisctl: Aisctl, tmp_path: Path) -> None:
    line = fails(aisctl("ls", "ais://no-such-bucket"))
    assert 'bucket "ais://no-such-bucket" does not exist' in line
    fails(aisctl("bucket", "props", "show", "ais://no-such-bucket"))
    f = write(tmp_path / "f", b"z")
    assert "ais://no-such-bucket" in fails(aisctl("put", str(f), "ais://no-such-bucket"))
    out = tmp_path / "never"
    fails(aisctl("get", "ais://no-such-bucket/x", str(out)))
    assert not out.exists()


def test_missing_object_get_leaves_no_file(aisctl: Aisctl, bucket: str, tmp_path: Path) -> None:
    out = tmp_path / "never"
    line = fails(aisctl("get", f"{bucket}/nope", str(out)))
    assert f"{bucket}/nope" in line
    assert not out.exists()


def test_invalid_bucket_name(aisctl: Aisctl) -> None:
    line = fails(aisctl("create", "ais://bad..name"))
    assert "invalid bucket name" in line
    assert fails(aisctl("create", "ais://bad name")) != ""
    fails(aisctl("create", "ais://"), code=2)


def test_usage_errors(aisctl: Aisctl, tmp_path: Path) -> None:
    fails(aisctl("put"), code=2)
    fails(aisctl("get", "ais://b-only"), code=2)
    fails(aisctl("ls", "--page-size", "x"), code=2)
    assert "no such file" in fails(aisctl("put", str(tmp_path / "missing"), "ais://b"))


def test_unreachable_endpoint(aisctl: Aisctl) -> None:
    line = fails(aisctl("ls", endpoint="http://127.0.0.1:1"))
    assert "cannot reach http://127.0.0.1:1" in line


# runs aisctl in-process and reports its own peak RSS (KiB) as the last stderr line; VmHWM of
# this process image, not getrusage (whose maxrss survives exec and so includes pytest's RSS)
_MEASURED = (
    "import re, sys\n"
    "from aisnode.cli.main import main\n"
    "rc = main(sys.argv[1:])\n"
    "hwm = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1)\n"
    "sys.stderr.write(f'\\nmaxrss={hwm}\\n')\n"
    "sys.exit(rc)\n"
)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_large_object_streams(node: NodeProcess, bucket: str, tmp_path: Path) -> None:
    """A 192 MiB object goes up and down without the CLI holding it in memory."""
    size = 192 * 1024 * 1024
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        block = os.urandom(1024 * 1024)
        for _ in range(size // len(block)):
            f.write(block)
    out = tmp_path / "big.out"
    env = subprocess_env(AIS_ENDPOINT=node.url)
    for args in (["put", str(big), f"{bucket}/big.bin"], ["get", f"{bucket}/big.bin", str(out)]):
        r = subprocess.run([sys.executable, "-c", _MEASURED, *args], capture_output=True,
                           env=env, timeout=300)
        assert r.returncode == 0, r.stderr.decode()
        peak_kib = int(r.stderr.decode().strip().rsplit("maxrss=", 1)[1])
        assert peak_kib * 1024 < size // 2, f"{args[0]}: peak RSS {peak_kib} KiB"
    assert out.stat().st_size == size
    with open(big, "rb") as a, open(out, "rb") as b:
        while chunk := a.read(1 << 22):
            assert chunk == b.read(1 << 22)
