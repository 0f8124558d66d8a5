"""This machine's own limits, measured in the same run: the disk (`dd` with fsync, cold and cached
read-back), hashing of an in-memory buffer, and checks that the load generator is not the
bottleneck (the same aiohttp client, `wrk` and `curl` against nginx).

Each limit is a row of `{"name", "unit", "runs": [{"value": ...}], "status", "reason"}`; a tool
that is missing gives a row with status "n/a" and the reason, never an exception.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xxhash

from .load import BLOCK, Api, Load, Request
from .servers import Server
from .workloads import Sizes

MiB = 1 << 20


def _row(name: str, unit: str, title: str) -> dict[str, Any]:
    return {"name": name, "unit": unit, "title": title, "status": "ok", "reason": "", "runs": []}


def _write_file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, len(BLOCK))
            f.write(BLOCK[:n])
            left -= n


def _dd(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(["dd", *args, "status=none"], check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t0


def disk(workdir: Path, s: Sizes, runs: int) -> list[dict[str, Any]]:
    """dd: write with conv=fsync, read back cold (file dropped from the page cache), read cached."""
    size = s.dd_size
    label = f"{size // MiB} MiB" if size < 1 << 30 else f"{size >> 30} GiB"
    w = _row("dd-write", "mbs", f"dd write {label}, conv=fsync")
    rc = _row("dd-read-cold", "mbs", f"dd read {label}, not cached")
    rw = _row("dd-read-cached", "mbs", f"dd read {label}, page cache")
    if shutil.which("dd") is None:
        for r in (w, rc, rw):
            r.update(status="n/a", reason="dd not found")
        return [w, rc, rw]
    path = workdir / "dd.bin"
    count = max(1, size // (4 * MiB))
    for _ in range(runs):
        sec = _dd(["if=/dev/zero", f"of={path}", "bs=4M", f"count={count}", "conv=fsync"])
        w["runs"].append({"value": size / sec / 1e6})
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        sec = _dd([f"if={path}", "of=/dev/null", "bs=4M"])
        rc["runs"].append({"value": size / sec / 1e6})
        sec = _dd([f"if={path}", "of=/dev/null", "bs=4M"])
        rw["runs"].append({"value": size / sec / 1e6})
    path.unlink(missing_ok=True)
    return [w, rc, rw]


def _hashers() -> dict[str, Callable[[bytes], object]]:
    h: dict[str, Callable[[bytes], object]] = {
        "md5": lambda b: hashlib.md5(b).digest(),
        "sha256": lambda b: hashlib.sha256(b).digest(),
        "xxhash64": lambda b: xxhash.xxh64(b).digest(),
        "xxh3-64": lambda b: xxhash.xxh3_64(b).digest(),
    }
    try:
        import google_crc32c

        h["crc32c"] = lambda b: google_crc32c.value(b)
    except ImportError:
        pass
    return h


def hashing(s: Sizes, runs: int) -> list[dict[str, Any]]:
    """Single-thread hashing speed of an in-memory buffer."""
    buf = (BLOCK * (s.hash_size // len(BLOCK) + 1))[: s.hash_size]
    rows = []
    for name, fn in _hashers().items():
        row = _row(name, "mbs", f"{name} of a {s.hash_size // MiB} MiB buffer, 1 thread")
        for _ in range(runs):
            t0 = time.perf_counter()
            fn(buf)
            row["runs"].append({"value": len(buf) / (time.perf_counter() - t0) / 1e6})
        rows.append(row)
    return rows


def _wrk(url: str, conns: int, seconds: float) -> float:
    out = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", url],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if not m:
        raise RuntimeError(f"cannot parse wrk output: {out[-300:]}")
    return float(m.group(1))


def _curl(url: str) -> float:
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}", url],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip().replace(",", "."))


async def generator(nginx: Server, s: Sizes, runs: int) -> list[dict[str, Any]]:
    """Is the generator the bottleneck? One 4 KiB file and one large file on nginx, fetched by
    our aiohttp client, by wrk (C, 1 thread) and by curl."""
    assert nginx.root is not None
    _write_file(nginx.root / "limits" / "small.bin", s.small_size)
    _write_file(nginx.root / "limits" / "large.bin", s.large_size)
    small_url = f"{nginx.url}/limits/small.bin"
    large_url = f"{nginx.url}/limits/large.bin"
    ours = _row("gen-aiohttp", "ops",
                f"aiohttp GET one 4 KiB nginx file x {s.small_count}, {s.connections} conns")
    wrk = _row("gen-wrk", "ops", f"wrk -t1 -c{s.connections} GET one 4 KiB nginx file")
    curl = _row("gen-curl", "mbs", f"curl GET {s.large_size // MiB} MiB nginx file")
    if shutil.which("wrk") is None:
        wrk.update(status="n/a", reason="wrk not installed")
    if shutil.which("curl") is None:
        curl.update(status="n/a", reason="curl not installed")
    api = Api("http", nginx.url)
    for _ in range(runs):
        async with Load(api, s.connections) as load:
            reqs = [Request("GET", small_url, expect_size=s.small_size)] * s.small_count
            t = await load.batch(reqs, s.connections)
        ours["runs"].append({"value": t.count / t.seconds, "p50_ms": t.percentile_ms(0.5),
                             "p99_ms": t.percentile_ms(0.99), "client_cpu": t.client_cpu})
        if wrk["status"] == "ok":
            wrk["runs"].append({"value": _wrk(small_url, s.connections, s.wrk_seconds)})
        if curl["status"] == "ok":
            curl["runs"].append({"value": _curl(large_url) / 1e6})
    (nginx.root / "limits" / "large.bin").unlink(missing_ok=True)
    return [ours, wrk, curl]
