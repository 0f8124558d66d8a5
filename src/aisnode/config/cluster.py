"""Cluster-wide configuration (replicated in a cluster; one copy in a single node)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClusterConfig:
    """Settings every node shares. Shown by `GET /v1/cluster?what=cluster_config`."""

    checksum_type: str = "xxhash2"
    """Default checksum of new buckets."""
    versioning: bool = True
    """Default `versioning.enabled` of new buckets."""
    fsync_put: bool = False
    """fsync every PUT before it is acknowledged (AIS feature `Fsync-PUT`); buckets can also ask."""
    max_object_name: int = 1024
    max_put_size: int = 5 << 40
    """Largest single PUT accepted (5 TiB, as S3)."""
    min_free_bytes: int = 64 << 20
    """Refuse writes (507) when a mountpath has less free space than this."""
    list_page_size: int = 10000
    job_retention_s: int = 3600
    s3_domain: str = ""
    """Serve virtual-hosted-style S3 for `<bucket>.<s3_domain>` hosts (path style always works)."""
    s3_auth: dict[str, str] = field(default_factory=dict)
    """S3 access key -> secret; empty disables S3 authentication."""

    def to_json(self) -> dict[str, Any]:
        """AIS-shaped config sections the SDK reads plus our own keys."""
        d = asdict(self)
        d.pop("s3_auth")
        return {
            "auth": {"enabled": False, "intra_cluster": {"enabled": False}},
            "checksum": {"type": self.checksum_type},
            "versioning": {"enabled": self.versioning},
            "features": "1" if self.fsync_put else "0",
            "s3": {"auth_enabled": bool(self.s3_auth)},
            "aisnode": d,
        }
