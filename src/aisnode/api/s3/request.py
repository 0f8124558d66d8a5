"""An S3 request reduced to what handlers need: bucket, key, query, and which API style."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from ...errors import InvalidRequest
from ...wire.bucket import Bucket


@dataclass
class S3Request:
    http: web.Request
    bucket_name: str
    key: str
    query: dict[str, str]
    """Query parameters with blank values kept (`?uploads` -> {"uploads": ""})."""

    @property
    def bucket(self) -> Bucket:
        """The addressed bucket: ais, or the remote bucket of that name in the bucket map."""
        from ..keys import SERVICES

        return self.http.app[SERVICES].buckets.by_name(self.bucket_name)

    @property
    def headers(self):  # type: ignore[no-untyped-def]
        return self.http.headers

    @property
    def resource(self) -> str:
        return "/" + self.bucket_name + ("/" + self.key if self.key else "")


def parse(request: web.Request, prefix: str, vhost_domain: str = "") -> S3Request:
    """Split the raw path after `prefix` into bucket and key (virtual-hosted: bucket from Host)."""
    raw_path, _, raw_query = request.raw_path.partition("?")
    rest = raw_path[len(prefix):] if raw_path.startswith(prefix) else raw_path
    rest = rest.lstrip("/")
    host = (request.headers.get("Host") or "").split(":", 1)[0].lower()
    if vhost_domain and host.endswith("." + vhost_domain):
        bucket, key = host[: -len(vhost_domain) - 1], rest
    else:
        bucket, _, key = rest.partition("/")
    try:
        bucket = unquote(bucket, errors="strict")
        key = unquote(key, errors="strict")
        query = dict(parse_qsl(raw_query, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise InvalidRequest("request path or query is not valid UTF-8") from None
    return S3Request(request, bucket, key, query)
