"""Azure Blob Storage via azure-storage-blob's asyncio client [AIS ais/backend/azure.go].

Containers are buckets. Credentials come from the environment: `AZURE_STORAGE_CONNECTION_STRING`,
or `AZURE_STORAGE_ACCOUNT` + `AZURE_STORAGE_KEY` with an optional custom endpoint in
`AZURE_STORAGE_BLOB_ENDPOINT` / `AZURE_BLOB_ENDPOINT` (e.g. Azurite's
`http://127.0.0.1:10000/devstoreaccount1`; default `https://<account>.blob.core.windows.net`).

Downloads and uploads move at most a few MiB at a time (`max_single_get_size`,
`max_chunk_get_size`, `max_single_put_size`, `max_block_size` below), so memory per transfer is
bounded whatever the object size. Object version = the blob's version id when blob versioning is
on, else none (the ETag then identifies the content).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections.abc import AsyncIterator
from typing import Any

from ..errors import AccessDenied, BackendError, BucketNotFound, ObjectNotFound
from ..wire.bucket import Bucket
from .base import RemoteAttrs, RemoteEntry, RemotePage

PROVIDER = "azure"
CONN_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"
ACCOUNT_ENV = "AZURE_STORAGE_ACCOUNT"
KEY_ENV = "AZURE_STORAGE_KEY"
ENDPOINT_ENVS = ("AZURE_STORAGE_BLOB_ENDPOINT", "AZURE_BLOB_ENDPOINT")
CHUNK = 4 << 20
"""Bytes per download request and per uploaded block; blobs up to this size go in one PUT."""


def _require() -> Any:
    try:
        from azure.storage.blob.aio import BlobServiceClient
    except ImportError as e:  # pragma: no cover - depends on the install
        raise BackendError(PROVIDER, "the azure backend needs the 'azure-storage-blob' and "
                           f"'aiohttp' packages ({e})", status=501,
                           code="MissingDependency") from None
    return BlobServiceClient


def _ns(dt: Any) -> int:
    return int(dt.timestamp() * 1e9) if dt is not None else 0


def _etag(v: str | None) -> str:
    return (v or "").strip('"')


def _md5_hex(v: Any) -> str:
    return bytes(v).hex() if v else ""


def _first_line(e: Exception) -> str:
    msg = str(getattr(e, "message", "") or e).strip()
    line = msg.splitlines()[0] if msg else type(e).__name__
    return line.removeprefix("Operation returned an invalid status ").strip("'")


class _Reader:
    def __init__(self, downloader: Any, attrs: RemoteAttrs, translate: Any) -> None:
        self._dl = downloader
        self.attrs = attrs
        self._translate = translate

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._dl.chunks():
                yield chunk
        except Exception as e:  # network failure or a concurrent overwrite mid-stream
            t = self._translate(e)
            if t is e:
                raise
            raise t from e

    async def close(self) -> None:
        # the downloader holds no open response between chunks; nothing to release
        self._dl = None


class AzureBackend:
    """One BlobServiceClient (made on first use, inside the running event loop)."""

    provider = PROVIDER

    def __init__(self, timeout_s: float = 60.0, retries: int = 4) -> None:
        self._Service = _require()
        self._timeout = timeout_s
        self._retries = retries
        self._svc: Any = None
        self._lock = asyncio.Lock()

    async def _service(self) -> Any:
        if self._svc is not None:
            return self._svc
        async with self._lock:
            if self._svc is None:
                self._svc = self._make_service()
            return self._svc

    def _make_service(self) -> Any:
        from azure.storage.blob.aio import ExponentialRetry  # the async policy

        class Backoff(ExponentialRetry):  # type: ignore[misc]
            """0.25 s, 0.5 s, 1 s, ... (+-20%): the SDK's own formula starts at seconds."""

            def get_backoff_time(self, settings: dict[str, Any]) -> float:
                n = max(int(settings.get("count", 1)), 1)
                return min(0.25 * 2 ** (n - 1), 8.0) * random.uniform(0.8, 1.2)

        kw: dict[str, Any] = {
            "max_single_get_size": CHUNK, "max_chunk_get_size": CHUNK,
            "max_single_put_size": CHUNK, "max_block_size": CHUNK,
            "connection_timeout": min(10.0, self._timeout), "read_timeout": self._timeout,
            "retry_policy": Backoff(retry_total=self._retries),
        }
        conn = os.environ.get(CONN_STRING_ENV, "")
        try:
            if conn:
                return self._Service.from_connection_string(conn, **kw)
            account, key = os.environ.get(ACCOUNT_ENV, ""), os.environ.get(KEY_ENV, "")
            if not (account and key):
                raise AccessDenied(
                    f"azure: no credentials: set {CONN_STRING_ENV}, or {ACCOUNT_ENV} and "
                    f"{KEY_ENV} (plus {ENDPOINT_ENVS[0]} for a custom endpoint)")
            url = next((os.environ[k] for k in ENDPOINT_ENVS if os.environ.get(k)),
                       f"https://{account}.blob.core.windows.net")
            return self._Service(url, credential={"account_name": account, "account_key": key},
                                 **kw)
        except ValueError as e:  # malformed connection string or URL
            raise AccessDenied(f"azure: bad credentials or endpoint in the environment: {e}"
                               ) from None

    # --- errors -----------------------------------------------------------------------------
    def _translate(self, e: Exception, bck: Bucket | None, name: str | None) -> Exception:
        from azure.core import exceptions as az

        if isinstance(e, az.HttpResponseError) and e.status_code is not None:
            status = int(e.status_code)
            code = str(e.error_code or "")
            msg = _first_line(e)
            if code == "ContainerNotFound" and bck is not None:
                return BucketNotFound(str(bck))
            if status == 404 and name is not None:
                return ObjectNotFound(str(bck), name)
            if status == 404 and bck is not None:
                return BucketNotFound(str(bck))
            if status in (401, 403) or isinstance(e, az.ClientAuthenticationError):
                return AccessDenied(f"azure: {msg} ({code or status})")
            if status == 429:
                return BackendError(PROVIDER, f"throttled: {msg} ({code})", status=503,
                                    code=code)
            if status == 408:
                return BackendError(PROVIDER, f"backend timed out: {msg}", status=504,
                                    code="Timeout")
            return BackendError(PROVIDER, f"{msg} ({code or status})",
                                status=status if status >= 500 else 502, code=code)
        if isinstance(e, (az.ServiceRequestTimeoutError, az.ServiceResponseTimeoutError,
                          asyncio.TimeoutError, TimeoutError)):
            return BackendError(PROVIDER, f"backend timed out: {_first_line(e)}", status=504,
                                code="Timeout")
        if isinstance(e, az.ServiceRequestError):  # could not send: connection refused, DNS
            return BackendError(PROVIDER, f"backend unreachable: {_first_line(e)}",
                                status=503, code="Unavailable")
        if isinstance(e, (az.ServiceResponseError, az.AzureError)):
            return BackendError(PROVIDER, _first_line(e), status=502)
        if isinstance(e, (OSError, ConnectionError)):
            return BackendError(PROVIDER, f"backend connection failed: {e}", status=502)
        return e

    async def _call(self, fn: Any, bck: Bucket | None, name: str | None) -> Any:
        """Await `fn(service)`; SDK errors come back as domain errors."""
        svc = await self._service()
        try:
            return await fn(svc)
        except Exception as e:
            t = self._translate(e, bck, name)
            if t is e:
                raise
            raise t from e

    # --- Backend protocol -------------------------------------------------------------------
    async def head_bucket(self, bck: Bucket, props: dict[str, Any] | None = None
                          ) -> dict[str, str]:
        await self._call(lambda s: s.get_container_client(bck.name).get_container_properties(),
                         bck, None)
        return {}

    async def list_buckets(self) -> list[str]:
        async def names(s: Any) -> list[str]:
            return [c.name async for c in s.list_containers()]

        return await self._call(names, None, None)

    async def list_objects(self, bck: Bucket, prefix: str, token: str, page_size: int,
                           props: dict[str, Any] | None = None) -> RemotePage:
        async def page(s: Any) -> RemotePage:
            pages = s.get_container_client(bck.name).list_blobs(
                name_starts_with=prefix or None, results_per_page=min(page_size or 1000, 5000)
            ).by_page(continuation_token=token or None)
            entries: list[RemoteEntry] = []
            async for p in pages:
                entries = [RemoteEntry(b.name, int(b.size or 0), _etag(b.etag),
                                       b.version_id or "", _ns(b.last_modified))
                           async for b in p]
                break
            return RemotePage(entries, pages.continuation_token or "")

        return await self._call(page, bck, None)

    def _attrs(self, p: Any) -> RemoteAttrs:
        cs = p.content_settings
        return RemoteAttrs(
            size=int(p.size or 0), etag=_etag(p.etag), version=p.version_id or "",
            last_modified_ns=_ns(p.last_modified), md5=_md5_hex(cs.content_md5 if cs else None),
            content_type=(cs.content_type if cs else "") or "",
            custom={str(k): str(v) for k, v in (p.metadata or {}).items()})

    async def head_object(self, bck: Bucket, name: str, props: dict[str, Any] | None = None
                          ) -> RemoteAttrs:
        p = await self._call(lambda s: s.get_blob_client(bck.name, name).get_blob_properties(),
                             bck, name)
        return self._attrs(p)

    async def get_object(self, bck: Bucket, name: str, rng: tuple[int, int] | None = None,
                         props: dict[str, Any] | None = None) -> _Reader:
        kw: dict[str, Any] = {"max_concurrency": 1}
        if rng is not None:
            kw.update(offset=rng[0], length=rng[1])
        dl = await self._call(lambda s: s.get_blob_client(bck.name, name).download_blob(**kw),
                              bck, name)
        attrs = self._attrs(dl.properties)
        if rng is not None:  # properties describe the slice; the total is in Content-Range
            total = str(dl.properties.content_range or "").rsplit("/", 1)
            if len(total) == 2 and total[1].isdigit():
                attrs.size = int(total[1])
        return _Reader(dl, attrs, lambda e: self._translate(e, bck, name))

    async def put_object(self, bck: Bucket, name: str, path: str, size: int,
                         content_type: str = "", props: dict[str, Any] | None = None
                         ) -> RemoteAttrs:
        from azure.storage.blob import ContentSettings

        settings = ContentSettings(content_type=content_type) if content_type else None
        with open(path, "rb") as f:
            r = await self._call(lambda s: s.get_blob_client(bck.name, name).upload_blob(
                f, length=size, overwrite=True, content_settings=settings, max_concurrency=1),
                bck, name)
        # a single Put Blob answers with the content's MD5; Put Block List with the MD5 of
        # the block list it was sent, which says nothing about the content
        md5 = _md5_hex(r.get("content_md5")) if size <= CHUNK else ""
        return RemoteAttrs(size=size, etag=_etag(r.get("etag")),
                           version=r.get("version_id") or "",
                           last_modified_ns=_ns(r.get("last_modified")), md5=md5,
                           content_type=content_type)

    async def delete_object(self, bck: Bucket, name: str,
                            props: dict[str, Any] | None = None) -> None:
        await self._call(lambda s: s.get_blob_client(bck.name, name).delete_blob(
            delete_snapshots="include"), bck, name)

    async def close(self) -> None:
        svc, self._svc = self._svc, None
        if svc is not None:
            with contextlib.suppress(Exception):
                await svc.close()
