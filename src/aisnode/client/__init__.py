"""Async client of the AIS native API; used by the CLI and by tests. Imports only `wire` and
`errors` from the rest of aisnode."""

from .bodies import CHUNK_SIZE
from .client import DEFAULT_ENDPOINT, HEAD_PROPS, Client, range_header, selection
from .errors import ClientError
from .types import (
    ClusterMap,
    JobProgress,
    JobProgressFn,
    JobSnap,
    NodeInfo,
    ObjectAttrs,
    ProgressFn,
    RemoteCluster,
)

__all__ = [
    "CHUNK_SIZE", "DEFAULT_ENDPOINT", "HEAD_PROPS", "Client", "ClientError", "ClusterMap",
    "JobProgress", "JobProgressFn", "JobSnap", "NodeInfo", "ObjectAttrs", "ProgressFn",
    "RemoteCluster", "range_header", "selection",
]
