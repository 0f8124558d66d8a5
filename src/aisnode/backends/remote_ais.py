"""Another aisnode (or AIS) cluster as a backend [AIS ais/backend/ais.go], via our own client.

A bucket `ais://@<uuid>/name` lives in the remote cluster's global namespace as `ais://name`; the
remote's URLs come from the attached-clusters registry (injected as `urls_for`), tried in order.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from email.utils import parsedate_to_datetime
from typing import Any

from ..client import Client
from ..client.errors import ClientError
from ..errors import (
    AccessDenied,
    AisError,
    BackendError,
    BucketNotFound,
    NotFound,
    NotSupported,
    ObjectNotFound,
)
from ..wire.bucket import Bucket, Namespace
from .base import RemoteAttrs, RemoteEntry, RemotePage

PROVIDER = "ais"


def _mtime(custom: dict[str, str], headers: Any) -> int:
    lm = headers.get("Last-Modified", "") if headers is not None else ""
    try:
        return int(parsedate_to_datetime(lm).timestamp() * 1e9) if lm else 0
    except (TypeError, ValueError):
        return 0


class _Reader:
    def __init__(self, cm: Any, resp: Any, attrs: RemoteAttrs) -> None:
        self._cm = cm
        self._resp = resp
        self.attrs = attrs

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for c in self._resp.content.iter_chunked(1 << 20):
                yield c
        except Exception as e:
            raise BackendError(PROVIDER, f"remote cluster stream failed: {e}", 502) from e

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._cm.__aexit__(None, None, None)


class RemoteAisBackend:
    provider = PROVIDER

    def __init__(self, urls_for: Callable[[str], list[str]] | None = None) -> None:
        self._urls_for = urls_for
        self._clients: dict[str, Client] = {}

    def _client(self, bck: Bucket) -> Client:
        if self._urls_for is None or not bck.ns.uuid:
            raise NotSupported(f"{bck} is not a bucket of an attached remote cluster")
        urls = self._urls_for(bck.ns.uuid)
        if not urls:
            raise BackendError(PROVIDER, f"remote cluster {bck.ns.uuid} has no URL", 503)
        url = urls[0]
        c = self._clients.get(url)
        if c is None:
            c = self._clients[url] = Client(url)
        return c

    @staticmethod
    def _there(bck: Bucket) -> Bucket:
        """The same bucket as the remote cluster names it (its own provider, global ns)."""
        return Bucket(bck.name, bck.provider, Namespace("", bck.ns.name))

    def _translate(self, e: Exception, bck: Bucket, name: str | None) -> Exception:
        if isinstance(e, ObjectNotFound) and name is not None:
            return ObjectNotFound(str(bck), name)
        if isinstance(e, NotFound):
            return ObjectNotFound(str(bck), name) if name and "/" in e.message.split(
                "://", 1)[-1] else BucketNotFound(str(bck))
        if isinstance(e, AccessDenied):
            return AccessDenied(f"remote cluster: {e.message}")
        if isinstance(e, ClientError):
            status = e.status
            if status == 0:
                return BackendError(PROVIDER, f"remote cluster unreachable: {e.message}", 503,
                                    "Unavailable")
            return BackendError(PROVIDER, e.message, status if status >= 500 else 502)
        if isinstance(e, AisError):
            return e
        if isinstance(e, (OSError, TimeoutError)):
            return BackendError(PROVIDER, f"remote cluster: {e}", 503)
        return e

    async def _do(self, bck: Bucket, name: str | None, coro: Any) -> Any:
        try:
            return await coro
        except Exception as e:
            t = self._translate(e, bck, name)
            if t is e:
                raise
            raise t from e

    async def head_bucket(self, bck: Bucket, props: dict[str, Any] | None = None
                          ) -> dict[str, str]:
        await self._do(bck, None, self._client(bck).head_bucket(self._there(bck)))
        return {}

    async def list_buckets(self) -> list[str]:
        return []

    async def list_objects(self, bck: Bucket, prefix: str, token: str, page_size: int,
                           props: dict[str, Any] | None = None) -> RemotePage:
        c = self._client(bck)
        page = await self._do(bck, None, c.list_objects_page(
            self._there(bck), prefix=prefix, props="name,size,version,checksum",
            page_size=page_size, token=token))
        return RemotePage([RemoteEntry(e.n, e.s, e.cs, e.v) for e in page.Entries],
                          page.ContinuationToken)

    def _attrs(self, a: Any, headers: Any = None) -> RemoteAttrs:
        return RemoteAttrs(size=a.size, etag=a.checksum_value, version=a.version,
                           last_modified_ns=_mtime(a.custom, headers),
                           custom=dict(a.custom))

    async def head_object(self, bck: Bucket, name: str, props: dict[str, Any] | None = None
                          ) -> RemoteAttrs:
        from ..client.types import ObjectAttrs

        c = self._client(bck)
        a: ObjectAttrs = await self._do(bck, name, c.head_object(self._there(bck), name))
        return self._attrs(a)

    async def get_object(self, bck: Bucket, name: str, rng: tuple[int, int] | None = None,
                         props: dict[str, Any] | None = None) -> _Reader:
        from ..client.types import ObjectAttrs

        c = self._client(bck)
        there = self._there(bck)
        hdrs = {"Range": f"bytes={rng[0]}-{rng[0] + rng[1] - 1}"} if rng else None
        cm = c._call("GET", c._opath(there, name), params=there.query(), headers=hdrs)
        resp = await self._do(bck, name, cm.__aenter__())
        a = ObjectAttrs.from_headers(resp.headers, size=resp.content_length or 0)
        attrs = self._attrs(a, resp.headers)
        if rng is not None:
            total = resp.headers.get("Content-Range", "").rsplit("/", 1)[-1]
            attrs.size = int(total) if total.isdigit() else attrs.size
        return _Reader(cm, resp, attrs)

    async def put_object(self, bck: Bucket, name: str, path: str, size: int,
                         content_type: str = "", props: dict[str, Any] | None = None
                         ) -> RemoteAttrs:
        c = self._client(bck)
        a = await self._do(bck, name, c.put_object(self._there(bck), name, path, size=size))
        return self._attrs(a)

    async def delete_object(self, bck: Bucket, name: str,
                            props: dict[str, Any] | None = None) -> None:
        await self._do(bck, name, self._client(bck).delete_object(self._there(bck), name))

    async def close(self) -> None:
        for c in self._clients.values():
            await c.close()
        self._clients.clear()
