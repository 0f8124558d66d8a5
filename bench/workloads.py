"""The timed workloads, the sizes they use, and the loop that runs them over every column.

A column is one API of one server ("aisnode /v1", "aisnode /s3", "nginx", "moto"). Each workload
prepares what it needs untimed (so `--only small-get` works alone), then times one batch and
returns its metrics. Results are kept per run; medians are taken by `report.py`. Machine limits
(disk, hashing, generator checks) are in `limits.py`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from . import ops
from .load import Api, HttpError, Load, Request, Timing
from .servers import Server, cpu_seconds, hwm_mib, tree_rss_mib

MiB = 1 << 20


@dataclass(frozen=True)
class Sizes:
    small_count: int
    small_size: int
    connections: int
    large_size: int
    par_count: int
    par_size: int
    mpu_size: int
    part_size: int
    parts_in_flight: int
    list_page: int
    hash_size: int
    dd_size: int
    wrk_seconds: float


FULL = Sizes(small_count=10_000, small_size=4096, connections=32, large_size=1024 * MiB,
             par_count=4, par_size=256 * MiB, mpu_size=1024 * MiB, part_size=64 * MiB,
             parts_in_flight=4, list_page=1000, hash_size=64 * MiB, dd_size=1024 * MiB,
             wrk_seconds=5)
SMALL = Sizes(small_count=200, small_size=4096, connections=32, large_size=8 * MiB,
              par_count=4, par_size=2 * MiB, mpu_size=12 * MiB, part_size=5 * MiB,
              parts_in_flight=4, list_page=100, hash_size=8 * MiB, dd_size=16 * MiB,
              wrk_seconds=1)


def for_moto(s: Sizes) -> tuple[Sizes, str]:
    """moto keeps objects in Python memory and is slow: fewer small objects, 1/4 large sizes."""
    if s.large_size < 256 * MiB:
        return s, ""
    m = replace(s, small_count=min(s.small_count, 2000), large_size=s.large_size // 4,
                par_size=s.par_size // 4, mpu_size=s.mpu_size // 4)
    return m, (f"moto: {m.small_count} small objects (LIST too), {m.large_size // MiB} MiB "
               f"single, {m.par_count}x{m.par_size // MiB} MiB, multipart {m.mpu_size // MiB} MiB")


@dataclass
class Column:
    label: str
    target: str
    api: Api
    server: Server | None
    """None when `unavailable`."""
    sizes: Sizes
    unavailable: str = ""
    """Non-empty: every cell of this column is n/a for this reason."""
    run: int = 0
    """Each run PUTs new objects (a bucket of small ones per run, large keys per run): the same
    state every time, and overwrites are not what is measured."""
    prepared: set[str] = field(default_factory=set)

    def bucket(self, what: str) -> str:
        if what == "small":
            return f"bench-{self.api.kind}-small-{self.run}"
        return f"bench-{self.api.kind}-{what}"


Metrics = dict[str, Any]
Workload = Callable[[Column], Awaitable[Metrics]]

SMALL_KEY = "obj-{:06d}"


def _small_puts(col: Column) -> list[Request]:
    body = bytes(col.sizes.small_size)
    b = col.bucket("small")
    return [Request("PUT", col.api.object_url(b, SMALL_KEY.format(i)), body)
            for i in range(col.sizes.small_count)]


def _ops_metrics(t: Timing) -> Metrics:
    return {"ops_s": t.count / t.seconds, "p50_ms": t.percentile_ms(0.50),
            "p99_ms": t.percentile_ms(0.99), "count": t.count, "seconds": t.seconds,
            "client_cpu": t.client_cpu}


def _mbs_metrics(t: Timing) -> Metrics:
    return {"mb_s": t.nbytes / t.seconds / 1e6, "bytes": t.nbytes, "seconds": t.seconds,
            "client_cpu": t.client_cpu}


class Watch:
    """Samples the server's memory (process tree RSS) and CPU while a workload runs."""

    def __init__(self, server: Server, every_s: float = 0.02) -> None:
        self.pid = server.pid
        self.every_s = every_s
        self.peak_mib = 0.0
        self.server_cpu = 0.0
        self._cpu0 = self._t0 = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak_mib = max(self.peak_mib, tree_rss_mib(self.pid))
            await asyncio.sleep(self.every_s)

    async def __aenter__(self) -> Watch:
        self._cpu0, self._t0 = cpu_seconds(self.pid), time.perf_counter()
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak_mib = max(self.peak_mib, tree_rss_mib(self.pid))
        self.server_cpu = (cpu_seconds(self.pid) - self._cpu0) / (time.perf_counter() - self._t0)

    def metrics(self, with_rss: bool) -> Metrics:
        m: Metrics = {"server_cpu": self.server_cpu}
        if with_rss:
            m.update(rss_peak_mib=self.peak_mib, vm_hwm_mib=hwm_mib(self.pid))
        return m


async def _timed(col: Column, conns: int, reqs: list[Request], concurrency: int,
                 large: bool) -> Metrics:
    assert col.server is not None
    async with Load(col.api, conns) as load:
        async with Watch(col.server) as w:
            t = await load.batch(reqs, concurrency)
    m = _mbs_metrics(t) if large else _ops_metrics(t)
    m.update(w.metrics(with_rss=large and col.target == "aisnode"))
    return m


async def _prepare_bucket(col: Column, what: str) -> None:
    name = col.bucket(what)
    if f"bucket:{name}" in col.prepared:
        return
    async with Load(col.api, 1) as load:
        await ops.create_bucket(load, name)
    col.prepared.add(f"bucket:{name}")


async def _prepare_small(col: Column) -> None:
    await _prepare_bucket(col, "small")
    if col.bucket("small") not in col.prepared:
        async with Load(col.api, col.sizes.connections) as load:
            await load.batch(_small_puts(col), col.sizes.connections)
        col.prepared.add(col.bucket("small"))


async def small_put(col: Column) -> Metrics:
    await _prepare_bucket(col, "small")
    m = await _timed(col, col.sizes.connections, _small_puts(col), col.sizes.connections, False)
    col.prepared.add(col.bucket("small"))
    return m


async def small_get(col: Column) -> Metrics:
    await _prepare_small(col)
    s, b = col.sizes, col.bucket("small")
    reqs = [Request("GET", col.api.object_url(b, SMALL_KEY.format(i)), expect_size=s.small_size)
            for i in range(s.small_count)]
    return await _timed(col, s.connections, reqs, s.connections, False)


async def list_bucket(col: Column) -> Metrics:
    await _prepare_small(col)
    async with Load(col.api, 1) as load:
        t0 = time.perf_counter()
        count, pages = await ops.list_all(load, col.bucket("small"), col.sizes.list_page)
        seconds = time.perf_counter() - t0
    if count != col.sizes.small_count:
        raise RuntimeError(f"listed {count} objects, expected {col.sizes.small_count}")
    return {"seconds": seconds, "count": count, "pages": pages}


def _large_keys(col: Column, parallel: bool, run: int | None = None) -> list[tuple[str, int]]:
    s, r = col.sizes, col.run if run is None else run
    if parallel:
        return [(f"par-{i}-{r}", s.par_size) for i in range(s.par_count)]
    return [(f"single-{r}", s.large_size)]


async def drop_large(col: Column, run: int) -> None:
    """Delete one run's large objects (untimed) so the disk does not fill up run after run."""
    if f"bucket:{col.bucket('large')}" not in col.prepared:
        return
    keys = [k for k, _ in _large_keys(col, False, run) + _large_keys(col, True, run)]
    keys.append(f"multipart-{run}")
    b = col.bucket("large")
    async with Load(col.api, 4) as load:
        for k in keys:
            if k in col.prepared:
                await load.call(Request("DELETE", col.api.object_url(b, k)), ok=(404,))
                col.prepared.discard(k)


async def _large_put(col: Column, parallel: bool) -> Metrics:
    await _prepare_bucket(col, "large")
    keys = _large_keys(col, parallel)
    b = col.bucket("large")
    reqs = [Request("PUT", col.api.object_url(b, k), size) for k, size in keys]
    m = await _timed(col, len(reqs), reqs, len(reqs), True)
    col.prepared.update(k for k, _ in keys)
    return m


async def _large_get(col: Column, parallel: bool) -> Metrics:
    keys = _large_keys(col, parallel)
    if any(k not in col.prepared for k, _ in keys):
        await _large_put(col, parallel)
    b = col.bucket("large")
    reqs = [Request("GET", col.api.object_url(b, k), expect_size=size) for k, size in keys]
    return await _timed(col, len(reqs), reqs, len(reqs), True)


async def large_put_1(col: Column) -> Metrics:
    return await _large_put(col, False)


async def large_put_4(col: Column) -> Metrics:
    return await _large_put(col, True)


async def large_get_1(col: Column) -> Metrics:
    return await _large_get(col, False)


async def large_get_4(col: Column) -> Metrics:
    return await _large_get(col, True)


async def multipart(col: Column) -> Metrics:
    await _prepare_bucket(col, "large")
    s = col.sizes
    assert col.server is not None
    async with Load(col.api, s.parts_in_flight) as load:
        async with Watch(col.server) as w:
            cpu0, t0 = time.process_time(), time.perf_counter()
            key = f"multipart-{col.run}"
            parts = await ops.multipart_upload(load, col.bucket("large"), key, s.mpu_size,
                                               s.part_size, s.parts_in_flight)
            wall = time.perf_counter() - t0
    col.prepared.add(key)
    m: Metrics = {"mb_s": s.mpu_size / wall / 1e6, "bytes": s.mpu_size, "seconds": wall,
                  "parts": parts, "client_cpu": (time.process_time() - cpu0) / wall}
    m.update(w.metrics(with_rss=col.target == "aisnode"))
    return m


@dataclass(frozen=True)
class Spec:
    name: str
    unit: str
    """"ops" (ops/s + latency), "mbs" (MB/s) or "s" (seconds)."""
    run: Workload
    kinds: tuple[str, ...] = ("ais", "s3", "http")


def titles(s: Sizes) -> dict[str, str]:
    """Row titles with the sizes actually used."""
    def size(n: int) -> str:
        return f"{n >> 30} GiB" if n >= 1 << 30 and n % (1 << 30) == 0 else f"{n // MiB} MiB"
    small = f"{s.small_count} x {s.small_size // 1024} KiB"
    return {
        "small-put": f"small PUT {small}",
        "small-get": f"small GET {small}",
        "large-put-1": f"large PUT 1 x {size(s.large_size)}",
        "large-put-4": f"large PUT {s.par_count} x {size(s.par_size)}",
        "large-get-1": f"large GET 1 x {size(s.large_size)}",
        "large-get-4": f"large GET {s.par_count} x {size(s.par_size)}",
        "multipart": f"multipart {size(s.mpu_size)}\n({size(s.part_size)} parts, "
                     f"{s.parts_in_flight} in flight)",
        "list": f"LIST {s.small_count} objects\n({s.list_page} per page)",
    }


SPECS: tuple[Spec, ...] = (
    Spec("small-put", "ops", small_put),
    Spec("small-get", "ops", small_get),
    Spec("large-put-1", "mbs", large_put_1),
    Spec("large-put-4", "mbs", large_put_4),
    Spec("large-get-1", "mbs", large_get_1),
    Spec("large-get-4", "mbs", large_get_4),
    Spec("multipart", "mbs", multipart, ("ais", "s3")),
    Spec("list", "s", list_bucket),
)
NAMES = tuple(s.name for s in SPECS)


async def run_all(columns: list[Column], specs: list[Spec], runs: int,
                  progress: Callable[[str], None]) -> list[dict[str, Any]]:
    """Every workload on every column, `runs` times, columns interleaved within a run."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for col in columns:
        for spec in specs:
            row: dict[str, Any] = {"workload": spec.name, "column": col.label,
                                   "target": col.target, "api": col.api.kind, "unit": spec.unit,
                                   "status": "ok", "reason": "", "runs": []}
            if col.unavailable:
                row.update(status="n/a", reason=col.unavailable)
            elif col.api.kind not in spec.kinds:
                row.update(status="n/a", reason=f"not applicable to {col.label}")
            rows[(col.label, spec.name)] = row
    for r in range(runs):
        for col in columns:
            if r and not col.unavailable:
                try:
                    await drop_large(col, r - 1)
                except Exception as e:  # only housekeeping: the next PUTs use new keys anyway
                    progress(f"{col.label}: could not delete run {r}'s large objects: {e}")
            col.run = r
            for spec in specs:
                row = rows[(col.label, spec.name)]
                if row["status"] != "ok":
                    continue
                progress(f"run {r + 1}/{runs}  {col.label:<12} {spec.name}")
                # Start each workload with no dirty pages left by the previous one, so it does
                # not pay for (or profit from) another workload's writeback.
                await asyncio.to_thread(os.sync)
                try:
                    row["runs"].append(await spec.run(col))
                except HttpError as e:
                    status = "n/a" if e.status == 501 else "error"
                    row.update(status=status, reason=f"{type(e).__name__}: {e}")
                except Exception as e:  # one failing cell must not stop the benchmark
                    row.update(status="error", reason=f"{type(e).__name__}: {e}")
    return list(rows.values())
