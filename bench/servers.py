"""Start and stop the servers under test on 127.0.0.1: aisnode, nginx (static files + WebDAV
PUT) and moto server (in-memory S3).

Each server gets a free port and its own directory under the run's temp dir, runs in its own
session (so a Ctrl-C in the terminal reaches only the benchmark) and is stopped by PID: SIGTERM,
then SIGKILL after a grace period, then any descendant still alive. Memory of a server process
tree is read from `/proc/<pid>/status`. Workloads and HTTP clients live elsewhere.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 10.0

S3_ACCESS_KEY = "benchkey"
S3_SECRET_KEY = "benchsecret"


class ServerUnavailable(Exception):
    """A reference server cannot run here (binary or package missing); the reason is shown."""


@dataclass
class Server:
    """One running server process."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    root: Path | None = None
    """nginx: the directory served (objects are files under it)."""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM, wait, SIGKILL; then kill any descendant left behind."""
        kids = descendants(self.pid)
        if self.proc.poll() is None:
            _signal(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                _signal(self.pid, signal.SIGKILL)
                self.proc.wait(5)
        for pid in kids:
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """All live descendants of `pid` (via /proc/<pid>/task/*/children)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except OSError:
                continue
            for k in kids:
                out.append(int(k))
                todo.append(int(k))
    return out


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants (MiB)."""
    return sum(_status_kib(p, "VmRSS") for p in [pid, *descendants(pid)]) / 1024


def hwm_mib(pid: int) -> float:
    """Peak resident memory of one process since it started (VmHWM, MiB)."""
    return _status_kib(pid, "VmHWM") / 1024


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its descendants."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for p in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _spawn(name: str, argv: list[str], workdir: Path, env: dict[str, str] | None = None) -> tuple[
        subprocess.Popen[bytes], Path]:
    log_path = workdir / f"{name}.log"
    log = open(log_path, "wb")
    try:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=workdir, env=env, start_new_session=True)
    finally:
        log.close()
    return proc, log_path


def _wait_ready(server: Server, path: str) -> Server:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}:\n"
                               f"{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as r:
                if r.status < 300:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{server.name} not ready after {READY_TIMEOUT_S:.0f} s:\n{server.log_tail()}")


def start_aisnode(workdir: Path, s3_auth: bool) -> Server:
    """`aisnode run` with a fresh data dir; S3 authentication on with the bench key if asked."""
    workdir.mkdir(parents=True)
    port = free_port()
    env = dict(os.environ)
    if s3_auth:
        env["AISNODE_S3_AUTH"] = '{"%s": "%s"}' % (S3_ACCESS_KEY, S3_SECRET_KEY)
    argv = [sys.executable, "-m", "aisnode.cli.node", "run", "--port", str(port),
            "--data-dir", str(workdir / "data")]
    proc, log = _spawn("aisnode", argv, workdir, env)
    return _wait_ready(Server("aisnode", port, proc, log), "/v1/health")


NGINX_CONF = """\
{user}worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    default_type application/octet-stream;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/root;
        location / {{
            dav_methods PUT DELETE MKCOL;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            client_max_body_size 0;
            client_body_buffer_size 128k;
            autoindex on;
            autoindex_format json;
        }}
    }}
}}
"""


def start_nginx(workdir: Path) -> Server:
    """nginx serving `<workdir>/root` as static files and accepting WebDAV PUTs into it."""
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if binary is None:
        raise ServerUnavailable("nginx not installed (scripts/install-system-deps.sh installs it)")
    workdir.mkdir(parents=True)
    (workdir / "root").mkdir()
    (workdir / "tmp").mkdir()
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, dir=workdir, port=port))
    argv = [binary, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
    proc, log = _spawn("nginx", argv, workdir)
    return _wait_ready(Server("nginx", port, proc, log, root=workdir / "root"), "/")


def start_moto(workdir: Path) -> Server:
    """moto server (S3 in memory; it does not check signatures)."""
    exe = Path(sys.executable).with_name("moto_server")
    try:
        import moto  # noqa: F401
    except ImportError:
        raise ServerUnavailable("moto not installed (pip install 'moto[server]')") from None
    workdir.mkdir(parents=True)
    port = free_port()
    argv = ([str(exe)] if exe.exists() else [sys.executable, "-m", "moto.server"])
    argv += ["-H", "127.0.0.1", "-p", str(port)]
    env = dict(os.environ, TMPDIR=str(workdir))
    proc, log = _spawn("moto", argv, workdir, env)
    return _wait_ready(Server("moto", port, proc, log), "/moto-api/")


STARTERS = {"nginx": start_nginx, "moto": start_moto}
