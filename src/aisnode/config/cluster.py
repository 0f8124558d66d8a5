"""Cluster-wide configuration (replicated in a cluster; one copy in a single node)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import InvalidRequest


@dataclass(frozen=True)
class ClusterConfig:
    """Settings every node shares. Shown by `GET /v1/cluster?what=cluster_config`."""

    checksum_type: str = "xxhash2"
    """Default checksum of new buckets."""
    versioning: bool = True
    """Default `versioning.enabled` of new buckets."""
    features: tuple[str, ...] = ()
    """Cluster feature flags (AIS names): `S3-Presigned-Request` replays AWS-presigned S3
    requests against S3 and caches what they read."""
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
    """A host name (no port), e.g. `s3.example.com`: requests whose `Host` is
    `<bucket>.<s3_domain>` are virtual-hosted-style S3 (bucket from the host, the whole path is
    the key), and `Host: <s3_domain>` is path-style S3 at `/`. Path style under `/s3` always
    works."""
    s3_at_root: bool = False
    """Also serve the S3 API at `/` (`http://host:port/<bucket>/<key>`) for clients that take no
    path in their endpoint (e.g. minio). Native `/v1/...` routes and `/s3/...` keep precedence,
    so buckets named `v1` or `s3` are reachable only under `/s3`."""
    remote_clusters: dict[str, list[str]] = field(default_factory=dict)
    """Remote aisnode/AIS clusters to attach at start: alias (or UUID) -> URLs [AIS
    `backend.ais`]. `aisctl cluster remote-attach` adds more at run time."""
    backend_timeout_s: float = 60.0
    """Per-request timeout towards backends (connect + read)."""
    s3_auth: dict[str, str] = field(default_factory=dict, repr=False)
    """S3 access key -> secret; empty disables S3 authentication (then any or no signature is
    accepted, like AIS). Never shown by `to_json` or `repr`."""

    def __post_init__(self) -> None:
        for k, v in self.s3_auth.items():
            if not isinstance(k, str) or not isinstance(v, str) or not k or not v:
                raise InvalidRequest("s3_auth must map non-empty access key strings to non-empty"
                                     " secret strings")

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
