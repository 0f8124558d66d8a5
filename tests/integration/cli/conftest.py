"""A real `aisnode run` process for CLI tests, and a helper to run `aisctl` against it.

Self-contained (no imports from other conftest files) so the server fixture can move to a
shared conftest later. The server is started once per session on a free port with a temporary
data directory, and stopped by PID with SIGTERM (SIGKILL after a grace period).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import aisnode

SRC_DIR = Path(aisnode.__file__).resolve().parents[1]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: `aisnode` importable even without an install."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@dataclass
class NodeProcess:
    """A running single-node server."""

    endpoint: str
    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def start_node(data_dir: Path, timeout: float = START_TIMEOUT) -> NodeProcess:
    """Start `aisnode run` and wait until `GET /v1/health` answers 200."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"aisnode-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "aisnode.cli.node", "run", "--port", str(port),
         "--data-dir", str(data_dir)],
        stdout=log, stderr=subprocess.STDOUT, env=subprocess_env(),
    )
    log.close()
    node = NodeProcess(f"http://127.0.0.1:{port}", port, data_dir, proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"aisnode exited with {proc.returncode}:\n{node.log_tail()}")
        try:
            with urllib.request.urlopen(node.endpoint + "/v1/health", timeout=1) as r:
                if r.status == 200:
                    return node
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    stop_node(node)
    raise RuntimeError(f"aisnode not healthy after {timeout}s:\n{node.log_tail()}")


def stop_node(node: NodeProcess, grace: float = 10.0) -> None:
    """SIGTERM the server by PID; SIGKILL if it does not exit within `grace` seconds."""
    if node.proc.poll() is not None:
        return
    os.kill(node.proc.pid, signal.SIGTERM)
    try:
        node.proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.kill(node.proc.pid, signal.SIGKILL)
        node.proc.wait()


@pytest.fixture(scope="session")
def aisnode_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    node = start_node(tmp_path_factory.mktemp("aisnode") / "data")
    try:
        yield node
    finally:
        stop_node(node)


Aisctl = Callable[..., "subprocess.CompletedProcess[bytes]"]


@pytest.fixture
def aisctl(aisnode_server: NodeProcess, tmp_path: Path) -> Aisctl:
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
        env = subprocess_env(AIS_ENDPOINT=endpoint or aisnode_server.endpoint)
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
