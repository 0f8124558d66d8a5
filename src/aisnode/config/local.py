"""Node-local configuration: where this node listens and where it keeps data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LocalConfig:
    """This node's own settings (not replicated)."""

    host: str = "127.0.0.1"
    """Address to listen on; loopback by default."""
    port: int = 8080
    data_dir: str = ".aisnode"
    """Metadata (bucket map, node id) lives here; default mountpath is `<data_dir>/mp0`."""
    mountpaths: tuple[str, ...] = field(default_factory=tuple)
    """Object directories, ideally one per disk. Empty: one under `data_dir`."""
    public_url: str = ""
    """URL clients use to reach this node; derived from host/port when empty."""
    log_level: str = "info"
    log_json: bool = False
    """One JSON object per log line (structured logs) instead of plain text."""

    def url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"
