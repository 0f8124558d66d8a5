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


NGINX = "/usr/sbin/nginx"


def nginx_server(root: Path, work_dir: Path, port: int | None = None) -> ServerProcess:
    """nginx serving `root` on 127.0.0.1 with JSON autoindex (ETag + Range, like a dataset
    host); config, pid, logs and temp files live in `work_dir`."""
    import getpass

    port = port or free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    for d in ("tmp", "logs"):
        (work_dir / d).mkdir(exist_ok=True)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # workers read 0700 dirs
    temp = "\n".join(f"    {k}_temp_path {work_dir}/tmp/{k};" for k in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = work_dir / "nginx.conf"
    conf.write_text(f"""worker_processes 1;
{user}pid {work_dir}/nginx.pid;
error_log {work_dir}/logs/error.log;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log {work_dir}/logs/access.log;
{temp}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        autoindex on;
        autoindex_format json;
    }}
}}
""")
    exe = shutil.which("nginx") or NGINX
    return ServerProcess("nginx", [exe, "-c", str(conf), "-p", f"{work_dir}/", "-e",
                                   f"{work_dir}/logs/error.log"],
                         f"http://127.0.0.1:{port}/", work_dir, port)


# --- gcp: gcp-storage-emulator (pip) ---------------------------------------------------------
GCS_PROJECT = "test-project"


def gcs_emulator(log_dir: Path, port: int | None = None) -> ServerProcess:
    """gcp-storage-emulator keeping its data under `log_dir` (ready: GET /storage/v1/b)."""
    port = port or free_port()
    exe = shutil.which("gcp-storage-emulator", path=os.path.dirname(sys.executable)) or \
        "gcp-storage-emulator"
    data = log_dir / "gcs-data"
    data.mkdir(parents=True, exist_ok=True)
    return ServerProcess("gcs", [exe, "-d", str(data), "start", "-H", "127.0.0.1",
                                 "--port", str(port)],
                         f"http://127.0.0.1:{port}/storage/v1/b", log_dir, port)


def gcs_env(gcs: ServerProcess) -> dict[str, str]:
    """What a node needs to use the emulator as its gcp backend."""
    return {"STORAGE_EMULATOR_HOST": gcs.url, "GOOGLE_CLOUD_PROJECT": GCS_PROJECT}


# --- azure: Azurite (npm, installed by `make node-deps` into tests/node) ---------------------
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")  # Azurite's well-known public development key
AZURITE_BIN = Path(__file__).resolve().parents[1] / "node" / "node_modules" / ".bin" / \
    "azurite-blob"


def azurite_exe() -> str | None:
    """`azurite-blob` from tests/node (or $AZURITE_BLOB, or PATH); None if not installed."""
    exe = os.environ.get("AZURITE_BLOB") or (str(AZURITE_BIN) if AZURITE_BIN.exists() else
                                             shutil.which("azurite-blob"))
    return exe if exe and shutil.which("node") else None


def azurite(log_dir: Path, port: int | None = None) -> ServerProcess:
    """Azurite's blob service, data under `log_dir`; no telemetry, any API version."""
    port = port or free_port()
    data = log_dir / "azurite-data"
    data.mkdir(parents=True, exist_ok=True)
    cmd = [azurite_exe() or "azurite-blob", "--blobHost", "127.0.0.1", "--blobPort", str(port),
           "--location", str(data), "--skipApiVersionCheck", "--loose", "--silent",
           "--disableTelemetry"]
    # unauthenticated list -> 403 AuthorizationFailure once it is up
    return ServerProcess("azurite", cmd, f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}?comp=list",
                         log_dir, port, ready_status=(403,))


def azurite_connection_string(az: ServerProcess) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={az.url}/{AZURITE_ACCOUNT};")


def azurite_env(az: ServerProcess) -> dict[str, str]:
    """What a node needs to use Azurite as its azure backend."""
    return {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(az)}
