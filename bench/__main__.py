"""`python -m bench`: start aisnode, nginx and moto on 127.0.0.1, run every workload against each,
measure the machine's limits, print one table and write the JSON.

This module owns the command line, the run's temp dir and the servers' lifetime: every server is
stopped by PID in a `finally`, also on error, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop
from rich.console import Console

from . import limits, report
from .load import Api, Signer
from .servers import S3_ACCESS_KEY, S3_SECRET_KEY, Server, ServerUnavailable, STARTERS
from .servers import start_aisnode
from .workloads import FULL, NAMES, SMALL, SPECS, Column, Sizes, for_moto, run_all, titles

TARGETS = ("aisnode", "nginx", "moto")
LIMITS = ("disk", "hash", "generator")
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--size", choices=("small", "full"), default="full",
                   help="small: tiny sizes for a smoke test (seconds); full: the issue's sizes")
    p.add_argument("--runs", type=int, default=3, help="runs per workload; the table shows medians")
    p.add_argument("--only", default="",
                   help=f"comma-separated subset of: {', '.join(NAMES + LIMITS)}")
    p.add_argument("--targets", default=",".join(TARGETS),
                   help="comma-separated subset of: " + ", ".join(TARGETS))
    p.add_argument("--json", type=Path, help="where to write results (default bench/results/<date>.json)")
    p.add_argument("--s3-auth", choices=("on", "off"), default="on",
                   help="run aisnode with S3 authentication and sign every S3 request (SigV4)")
    p.add_argument("--dir", help="parent of the run's temp dir (default: system temp)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (data and server logs)")
    a = p.parse_args(argv)
    a.only = [x for x in a.only.split(",") if x]
    a.targets = [x for x in a.targets.split(",") if x]
    order = TARGETS.index
    a.targets = sorted(set(a.targets) & set(TARGETS), key=order) + [
        x for x in a.targets if x not in TARGETS]
    bad = [x for x in a.only if x not in NAMES + LIMITS] + [x for x in a.targets if x not in TARGETS]
    if bad or a.runs < 1:
        p.error(f"unknown name(s): {', '.join(bad)}" if bad else "--runs must be >= 1")
    return a


def _version(argv: list[str]) -> str:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        line = (r.stdout + r.stderr).strip().splitlines()[0]
        return " ".join(line.replace("nginx version: ", "").split())
    except (OSError, IndexError, subprocess.SubprocessError):
        return ""


def _machine(workdir: Path) -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                    if ln.startswith("model name")), "")
        mem = next(int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = 0
    import aiohttp

    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(mem / (1 << 20), 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "aiohttp": aiohttp.__version__, "uvloop": uvloop.__version__,
            "nginx": _version(["nginx", "-v"]) if shutil.which("nginx") else "",
            "wrk": _version(["wrk", "-v"]) if shutil.which("wrk") else "",
            "moto": _version([sys.executable, "-c", "import moto; print(moto.__version__)"]),
            "filesystem": _version(["findmnt", "-no", "FSTYPE,SOURCE", "-T", str(workdir)])}


def _s3_missing(server: Server, signer: Signer | None) -> str:
    """Why aisnode's /s3 cannot be benchmarked, or "" when it answers."""
    import urllib.error
    import urllib.request

    url = server.url + "/s3/"
    headers = signer.headers("GET", url) if signer else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10):
            return ""
    except urllib.error.HTTPError as e:
        return f"/s3 answers {e.code} (S3 API not available)" if e.code in (404, 501) else ""
    except OSError as e:
        return f"/s3 unreachable: {e}"


def _columns(a: argparse.Namespace, sizes: Sizes, workdir: Path, servers: list[Server],
             console: Console) -> tuple[list[Column], dict[str, str]]:
    cols: list[Column] = []
    notes: dict[str, str] = {}
    signer = Signer(S3_ACCESS_KEY, S3_SECRET_KEY)
    for target in a.targets:
        console.log(f"starting {target}")
        try:
            srv = (start_aisnode(workdir / target, a.s3_auth == "on") if target == "aisnode"
                   else STARTERS[target](workdir / target))
        except ServerUnavailable as e:
            if target == "aisnode":
                raise
            cols.append(Column(target, target, Api("http", ""), None, sizes, unavailable=str(e)))
            continue
        servers.append(srv)
        if target == "aisnode":
            s3_signer = signer if a.s3_auth == "on" else None
            cols.append(Column("aisnode /v1", target, Api("ais", srv.url), srv, sizes))
            cols.append(Column("aisnode /s3", target, Api("s3", srv.url + "/s3", s3_signer), srv,
                               sizes, unavailable=_s3_missing(srv, s3_signer)))
        elif target == "nginx":
            cols.append(Column("nginx", target, Api("http", srv.url), srv, sizes))
        else:
            msizes, note = for_moto(sizes)
            cols.append(Column("moto", target, Api("s3", srv.url, signer), srv, msizes))
            notes["moto"] = note
    return cols, notes


async def _run(a: argparse.Namespace, sizes: Sizes, workdir: Path, cols: list[Column],
               console: Console) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # Inside the loop SIGTERM cancels the run (raising from a Python-level handler there would
    # land in whatever callback happens to run); the runner already does the same for SIGINT.
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await _measure(a, sizes, workdir, cols, console)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _terminate)


async def _measure(a: argparse.Namespace, sizes: Sizes, workdir: Path, cols: list[Column],
                   console: Console) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    want = lambda name: not a.only or name in a.only  # noqa: E731
    lims: list[dict[str, Any]] = []
    if want("disk"):
        console.log("measuring disk (dd)")
        lims += limits.disk(workdir, sizes, a.runs)
    if want("hash"):
        console.log("measuring hashing")
        lims += limits.hashing(sizes, a.runs)
    specs = [s for s in SPECS if want(s.name)]
    results = await run_all(cols, specs, a.runs, lambda msg: console.log(msg))
    nginx = next((c.server for c in cols if c.label == "nginx" and c.server), None)
    if want("generator") and nginx is not None:
        console.log("checking the generator against nginx")
        lims += await limits.generator(nginx, sizes, a.runs)
    return results, lims


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds to the `finally` that stops the servers


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    sizes = FULL if a.size == "full" else SMALL
    console = Console(stderr=True)
    signal.signal(signal.SIGTERM, _terminate)
    workdir = Path(tempfile.mkdtemp(prefix="aisbench-", dir=a.dir))
    servers: list[Server] = []
    doc: dict[str, Any] = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "size": a.size,
                           "runs": a.runs, "sizes": sizes.__dict__, "s3_auth": a.s3_auth}
    try:
        doc["machine"] = _machine(workdir)
        cols, doc["column_notes"] = _columns(a, sizes, workdir, servers, console)
        doc["servers"] = {srv.name: srv.pid for srv in servers}
        doc["columns"] = [c.label for c in cols]
        doc["titles"] = titles(sizes)
        t0 = time.perf_counter()
        doc["results"], doc["limits"] = uvloop.run(_run(a, sizes, workdir, cols, console))
        doc["elapsed_s"] = round(time.perf_counter() - t0, 1)
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.log("interrupted; stopping servers")
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the cleanup finish
        for srv in reversed(servers):
            t_stop = time.perf_counter()
            srv.stop()
            console.log(f"stopped {srv.name} (pid {srv.pid}) in {time.perf_counter() - t_stop:.1f} s")
        if a.keep:
            console.log(f"kept {workdir}")
        else:
            console.log(f"removing {workdir}")
            shutil.rmtree(workdir, ignore_errors=True)
    report.add_medians(doc)
    doc["ratios"] = report.ratios(doc)
    out = a.json or RESULTS_DIR / (time.strftime("%Y-%m-%dT%H%M%S") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1))
    report.show(doc)
    console.log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
