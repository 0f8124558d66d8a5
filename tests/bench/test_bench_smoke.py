"""`python -m bench --size small` runs end to end: aisnode and the reference servers start, every
workload produces a row, the JSON is written and every server is gone afterwards.

Asserts nothing about speed. nginx and moto may be absent (their column is then "n/a" with the
reason); aisnode itself must run every native workload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.workloads import NAMES

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.timeout(120)
def test_bench_small_runs_and_writes_every_row(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "small", "--runs", "1", "--json", str(out),
         "--dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=dict(os.environ, COLUMNS="160"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads(out.read_text())

    rows = {(r["column"], r["workload"]): r for r in doc["results"]}
    for name in NAMES:
        native = rows[("aisnode /v1", name)]
        assert native["status"] == "ok", native
        assert native["median"], native
        s3 = rows[("aisnode /s3", name)]
        assert s3["status"] in ("ok", "n/a"), s3
    for column in ("nginx", "moto"):
        for name in NAMES:
            row = rows[(column, name)]
            assert row["status"] in ("ok", "n/a"), row
            if row["status"] == "n/a":
                assert row["reason"], row
    assert rows[("aisnode /v1", "large-put-1")]["median"]["rss_peak_mib"] > 0
    limits = {r["name"] for r in doc["limits"]}
    assert {"dd-write", "md5", "xxhash64"} <= limits
    assert "aisnode /v1" in proc.stdout  # the table was printed

    assert doc["servers"]["aisnode"]
    for name, pid in doc["servers"].items():
        assert not _alive(pid), f"{name} (pid {pid}) still running"
    assert not any(tmp_path.glob("aisbench-*")), "temp dir left behind"
