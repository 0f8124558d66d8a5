"""Medians of the runs, ratios against the issue's targets, and the one `rich` table.

Works on the result document alone (what `--json` writes), so an old JSON file can be shown
again with `python -m bench.report FILE`. Nothing here measures anything.
"""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

Doc = dict[str, Any]


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Per key, the median over runs of each numeric value."""
    keys = {k for r in runs for k, v in r.items() if isinstance(v, int | float)}
    return {k: statistics.median(r[k] for r in runs if k in r) for k in sorted(keys)}


def add_medians(doc: Doc) -> None:
    for row in doc["results"] + doc["limits"]:
        row["median"] = medians(row["runs"]) if row["runs"] else {}


def _cell(doc: Doc, column: str, workload: str) -> dict[str, Any] | None:
    for row in doc["results"]:
        if row["column"] == column and row["workload"] == workload:
            return row
    return None


def _value(doc: Doc, column: str, workload: str, key: str) -> float | None:
    row = _cell(doc, column, workload)
    if row is None or row["status"] != "ok" or key not in row.get("median", {}):
        return None
    return float(row["median"][key])


def _limit(doc: Doc, name: str) -> dict[str, Any] | None:
    return next((r for r in doc["limits"] if r["name"] == name), None)


def _limit_value(doc: Doc, name: str) -> float | None:
    row = _limit(doc, name)
    if row is None or row["status"] != "ok" or not row.get("median"):
        return None
    return float(row["median"]["value"])


def ratios(doc: Doc) -> list[dict[str, Any]]:
    """aisnode against the issue's targets (only where both sides were measured)."""
    out: list[dict[str, Any]] = []

    def add(what: str, got: float | None, ref: float | None, op: str, goal: float,
            kind: str = "ratio") -> None:
        if got is None or (kind == "ratio" and not ref):
            return
        value = got / ref if kind == "ratio" and ref else got
        ok = value >= goal if op == ">=" else value <= goal
        out.append({"what": what, "value": value, "target": f"{op} {goal:g}", "met": ok})

    for col in ("aisnode /v1", "aisnode /s3"):
        v = lambda w, k: _value(doc, col, w, k)  # noqa: E731
        ng = lambda w, k: _value(doc, "nginx", w, k)  # noqa: E731
        add(f"{col} small GET / nginx", v("small-get", "ops_s"), ng("small-get", "ops_s"), ">=", 0.5)
        add(f"{col} small GET / moto", v("small-get", "ops_s"), _value(doc, "moto", "small-get",
                                                                       "ops_s"), ">=", 3)
        add(f"{col} small PUT / nginx WebDAV", v("small-put", "ops_s"), ng("small-put", "ops_s"),
            ">=", 1.0)
        add(f"{col} small PUT / moto", v("small-put", "ops_s"), _value(doc, "moto", "small-put",
                                                                       "ops_s"), ">=", 2)
        add(f"{col} large GET / nginx", v("large-get-1", "mb_s"), ng("large-get-1", "mb_s"),
            ">=", 0.8)
        add(f"{col} large PUT / nginx WebDAV", v("large-put-1", "mb_s"), ng("large-put-1", "mb_s"),
            ">=", 1.0)
        add(f"{col} multipart / large PUT", v("multipart", "mb_s"), v("large-put-1", "mb_s"),
            ">=", 0.8)
        p50 = v("small-get", "p50_ms")
        add(f"{col} small GET p99 / p50", v("small-get", "p99_ms"), p50, "<=", 5)
        add(f"{col} LIST seconds", v("list", "seconds"), None, "<=",
            0.3 if col.endswith("v1") else 0.5, "abs")
        for w in ("large-put-1", "large-get-1"):
            add(f"{col} RSS peak MiB during {w}", v(w, "rss_peak_mib"), None, "<=", 300, "abs")
    return out


def _fmt(row: dict[str, Any] | None, star: bool = False) -> str:
    if row is None:
        return ""
    if row["status"] == "n/a":
        return "[dim]n/a[/dim]"
    if row["status"] == "error":
        return "[red]error[/red]"
    m = row.get("median") or {}
    mark = "*" if star else ""
    if row["unit"] == "ops":
        return (f"{m['ops_s']:,.0f}/s{mark}\n[dim]{m['p50_ms']:.1f} / {m['p99_ms']:.1f} ms[/dim]")
    if row["unit"] == "mbs":
        return f"{m['mb_s']:,.0f} MB/s{mark}"
    return f"{m['seconds']:.2f} s{mark}"


def _lim(doc: Doc, name: str, label: str) -> str:
    row = _limit(doc, name)
    if row is None:
        return ""
    if row["status"] != "ok" or not row.get("median"):
        return f"{label}: [dim]n/a[/dim]"
    unit = "/s" if row["unit"] == "ops" else " MB/s"
    return f"{label}: {row['median']['value']:,.0f}{unit}"


def _machine(doc: Doc, workload: str) -> str:
    parts = {
        "small-get": [("gen-aiohttp", "aiohttp, 1 file"), ("gen-wrk", "wrk, 1 file")],
        "large-put-1": [("dd-write", "dd fsync")],
        "large-get-1": [("dd-read-cold", "dd cold"), ("dd-read-cached", "dd cached"),
                        ("gen-curl", "curl←nginx")],
    }.get(workload, [])
    return "\n".join(s for s in (_lim(doc, n, lab) for n, lab in parts) if s)


def table(doc: Doc) -> Table:
    cols = doc["columns"]
    t = Table(title=f"aisnode benchmark {doc['date']} — size {doc['size']}, median of "
                    f"{doc['runs']} run(s)", show_lines=True)
    t.add_column("workload")
    for c in cols:
        t.add_column(c, justify="right")
    t.add_column("machine / generator", justify="right")
    reduced = {c for c, note in doc.get("column_notes", {}).items() if note}
    for name, title in doc["titles"].items():
        cells = [_fmt(_cell(doc, c, name), star=c in reduced) for c in cols]
        if not any(_cell(doc, c, name) for c in cols):
            continue
        t.add_row(title, *cells, _machine(doc, name))
    rss = []
    for c in cols:
        a, b = (_value(doc, c, w, "rss_peak_mib") for w in ("large-put-1", "large-get-1"))
        rss.append(f"{a:,.0f} / {b:,.0f} MiB" if a is not None and b is not None else "")
    if any(rss):
        t.add_row("server RSS peak during large PUT / GET", *rss, "")
    hashes = [r for r in doc["limits"] if not r["name"].startswith(("gen-", "dd-"))]
    if hashes:
        mib = doc["sizes"]["hash_size"] >> 20
        t.add_row(f"hashing a {mib} MiB buffer\n(1 thread)", *([""] * len(cols)),
                  "\n".join(_lim(doc, r["name"], r["name"]) for r in hashes))
    return t


def notes(doc: Doc) -> list[str]:
    """Legend, reduced sizes, why cells are n/a or errors, and the targets."""
    lines = [f"cells: ops/s over {doc['sizes']['connections']} connections, with p50 / p99 "
             "latency; MB/s = 10^6 bytes/s; LIST in seconds (client time, all pages)"]
    m = doc.get("machine", {})
    if m:
        lines.append(f"machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('mem_gib')} GiB RAM, "
                     f"Linux {m.get('kernel')}, {m.get('filesystem')}; Python {m.get('python')}, "
                     f"aiohttp {m.get('aiohttp')}, {m.get('nginx')}, moto {m.get('moto')}; "
                     f"S3 auth {doc.get('s3_auth')}; page cache flushed (sync) before each workload")
    lines += [f"* {n}" for n in doc.get("column_notes", {}).values() if n]
    groups: dict[tuple[str, str, str], list[str]] = {}
    for row in doc["results"] + doc["limits"]:
        if row["status"] != "ok" and row.get("reason"):
            key = (row["status"], row.get("column", row.get("name", "")), row["reason"])
            groups.setdefault(key, []).append(row.get("workload", ""))
    n_workloads = len({r["workload"] for r in doc["results"]})
    for (status, who, reason), names in groups.items():
        what = "all workloads" if len(names) == n_workloads > 1 else " ".join(names)
        lines.append(f"{status}: {who}: {what}: {reason}".replace(":  :", ":"))
    for r in doc.get("ratios", []):
        mark = "met" if r["met"] else "MISSED"
        lines.append(f"target {r['what']}: {r['value']:.2f} (target {r['target']}) {mark}")
    return lines


def show(doc: Doc, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=max(console.width, 132))
    console.print(table(doc))
    for line in notes(doc):
        console.print(line, markup=False, highlight=False)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        show(json.load(f))
