"""Fixtures for `aisctl` tests: run the CLI as a subprocess against the session's server.

The server is the shared `node` fixture (`tests/conftest.py`, a real `aisnode run` process
started once per session and stopped by PID with SIGTERM).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import aisnode
from tests.support.server import NodeProcess

SRC_DIR = Path(aisnode.__file__).resolve().parents[1]

Aisctl = Callable[..., "subprocess.CompletedProcess[bytes]"]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: `aisnode` importable even without an install."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@pytest.fixture
def aisctl(node: NodeProcess, tmp_path: Path) -> Aisctl:
    """Run `aisctl ARGS...` against the server; returns the CompletedProcess (bytes).

    Keyword args: `input` (bytes for stdin), `cwd` (default: the test's tmp dir),
    `endpoint` (override AIS_ENDPOINT), `timeout`.
    """

    def run(
        *args: str,
        input: bytes | None = None,
        cwd: Path | None = None,
        endpoint: str | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[bytes]:
        env = subprocess_env(AIS_ENDPOINT=endpoint or node.url)
        return subprocess.run(
            [sys.executable, "-m", "aisnode.cli.main", *args],
            input=input if input is not None else b"", capture_output=True,
            cwd=cwd or tmp_path, env=env, timeout=timeout,
        )

    return run


@pytest.fixture
def bucket(aisctl: Aisctl) -> Iterator[str]:
    """A fresh `ais://` bucket, destroyed after the test."""
    uri = f"ais://cli-{uuid.uuid4().hex[:10]}"
    r = aisctl("create", uri)
    assert r.returncode == 0, r.stderr.decode()
    yield uri
    aisctl("bucket", "rm", uri, "--yes")
