"""Async client of the AIS native API; used by the CLI and by tests. Imports only `wire` and
`errors` from the rest of aisnode."""

from .bodies import CHUNK_SIZE
from .client import DEFAULT_ENDPOINT, HEAD_PROPS, Client, range_header
from .errors import ClientError
from .types import ClusterMap, NodeInfo, ObjectAttrs, ProgressFn

__all__ = [
    "CHUNK_SIZE", "DEFAULT_ENDPOINT", "HEAD_PROPS", "Client", "ClientError", "ClusterMap",
    "NodeInfo", "ObjectAttrs", "ProgressFn", "range_header",
]
