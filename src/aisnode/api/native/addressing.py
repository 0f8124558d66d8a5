"""Bucket and object addressing of native requests: path segments plus provider/namespace."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from ...errors import InvalidRequest
from ...wire import query as Q
from ...wire.bucket import Bucket, Namespace, normalize_provider
from ..keys import SERVICES


def bucket_from(request: web.Request, name: str) -> Bucket:
    """The bucket a request addresses; a remote cluster's alias becomes its UUID."""
    provider = normalize_provider(request.query.get(Q.PROVIDER, ""))
    ns = Namespace.parse(request.query.get(Q.NAMESPACE, ""))
    return request.app[SERVICES].remotes.canonical(Bucket(name, provider, ns))


def split_path(request: web.Request, prefix: str) -> tuple[str, str]:
    """(bucket, rest) from the raw (still percent-encoded) path after `prefix`.

    The raw path is used so `%2F` and dot segments arrive as the client sent them; the object
    name is everything after the bucket segment.
    """
    raw = request.raw_path.split("?", 1)[0]
    if not raw.startswith(prefix):
        raise InvalidRequest(f"invalid path {raw!r}")
    rest = raw[len(prefix):].lstrip("/")
    bucket, _, obj = rest.partition("/")
    try:
        return unquote(bucket, errors="strict"), unquote(obj, errors="strict")
    except UnicodeDecodeError:
        raise InvalidRequest("path is not valid UTF-8") from None
