"""Real local backend servers for tests (moto for S3, ...), started on loopback, stopped by PID."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .server import free_port


@dataclass
class ServerProcess:
    """A server command with a readiness URL."""

    name: str
    cmd: list[str]
    ready_url: str
    log_dir: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    ready_status: tuple[int, ...] = (200,)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        log = open(self.log_dir / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.env}, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early: "
                                   f"{(self.log_dir / f'{self.name}.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=1) as r:
                    if r.status in self.ready_status:
                        return self
            except urllib.error.HTTPError as e:
                if e.code in self.ready_status:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} not ready in {timeout}s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def moto_server(log_dir: Path, port: int | None = None) -> ServerProcess:
    port = port or free_port()
    exe = shutil.which("moto_server", path=os.path.dirname(sys.executable)) or "moto_server"
    return ServerProcess("moto", [exe, "-H", "127.0.0.1", "-p", str(port)],
                         f"http://127.0.0.1:{port}/moto-api/", log_dir, port)


AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
}
