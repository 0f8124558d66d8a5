"""Amazon S3 (and any S3-compatible endpoint) via aiobotocore [AIS ais/backend/aws.go].

Endpoint, region, profile and credentials come from the standard AWS environment and config
files (`AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_PROFILE`, ...); a bucket's
`extra.aws.endpoint` / `extra.aws.cloud_region` / `extra.aws.profile` override them. A custom
endpoint is spoken to in path style (what local S3 servers expect).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from ..errors import (
    AccessDenied,
    BackendError,
    BucketNotFound,
    ObjectNotFound,
)
from ..wire.bucket import Bucket
from .base import RemoteAttrs, RemoteEntry, RemotePage

PROVIDER = "aws"


def _require() -> Any:
    try:
        import aiobotocore.session
        from botocore.config import Config
    except ImportError as e:  # pragma: no cover - depends on the install
        raise BackendError(PROVIDER, f"the aws backend needs the 'aiobotocore' package ({e})",
                           status=501, code="MissingDependency") from None
    return aiobotocore.session, Config


def _ns(dt: Any) -> int:
    return int(dt.timestamp() * 1e9) if dt is not None else 0


def _etag(v: str | None) -> str:
    return (v or "").strip('"')


def _md5_of(etag: str) -> str:
    return etag if len(etag) == 32 and "-" not in etag else ""


class _Reader:
    def __init__(self, resp: dict[str, Any], attrs: RemoteAttrs, translate: Any) -> None:
        self._resp = resp
        self.attrs = attrs
        self._translate = translate

    async def chunks(self) -> AsyncIterator[bytes]:
        body = self._resp["Body"]
        try:
            async for chunk in body.iter_chunks(1 << 20):
                yield chunk
        except Exception as e:  # network failure mid-stream
            raise self._translate(e, None, None) from e

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._resp["Body"].close()


class AwsBackend:
    """One aiobotocore session; one client per (endpoint, region, profile)."""

    provider = PROVIDER

    def __init__(self, timeout_s: float = 60.0, max_attempts: int = 4) -> None:
        self._session_mod, self._Config = _require()
        self._timeout = timeout_s
        self._attempts = max_attempts
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()

    async def _client(self, props: dict[str, Any] | None = None) -> Any:
        extra = ((props or {}).get("extra") or {}).get("aws") or {}
        key = (extra.get("endpoint", ""), extra.get("cloud_region", ""), extra.get("profile", ""))
        c = self._clients.get(key)
        if c is not None:
            return c
        async with self._lock:
            if key in self._clients:
                return self._clients[key]
            session = self._session_mod.get_session()
            if key[2]:
                session.set_config_variable("profile", key[2])
            endpoint = key[0] or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get(
                "AWS_ENDPOINT_URL") or None
            cfg = self._Config(
                connect_timeout=min(10.0, self._timeout), read_timeout=self._timeout,
                retries={"max_attempts": self._attempts, "mode": "standard"},
                s3={"addressing_style": "path"} if endpoint else {},
            )
            kwargs: dict[str, Any] = {"config": cfg}
            if endpoint:
                kwargs["endpoint_url"] = endpoint
            region = key[1] or os.environ.get("AWS_REGION") or os.environ.get(
                "AWS_DEFAULT_REGION") or "us-east-1"
            kwargs["region_name"] = region
            c = await self._stack.enter_async_context(session.create_client("s3", **kwargs))
            self._clients[key] = c
            return c

    # --- errors -----------------------------------------------------------------------------
    def _translate(self, e: Exception, bck: Bucket | None, name: str | None) -> Exception:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        if isinstance(e, ClientError):
            err = e.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 502))
            msg = str(err.get("Message", "")) or code
            if code in ("NoSuchBucket",) and bck is not None:
                return BucketNotFound(str(bck))
            if (code in ("NoSuchKey", "404", "NotFound") or status == 404) and name is not None:
                return ObjectNotFound(str(bck), name)
            if status == 404 and bck is not None:
                return BucketNotFound(str(bck))
            if status in (401, 403):
                return AccessDenied(f"aws: {msg} ({code})")
            return BackendError(PROVIDER, f"{msg} ({code})", status=status if status >= 500
                                else 502, code=code)
        if isinstance(e, (EndpointConnectionError, ConnectTimeoutError)):
            return BackendError(PROVIDER, f"backend unreachable: {e}", status=503,
                                code="Unavailable")
        if isinstance(e, (ReadTimeoutError, asyncio.TimeoutError)):
            return BackendError(PROVIDER, f"backend timed out: {e}", status=504, code="Timeout")
        if isinstance(e, BotoCoreError):
            return BackendError(PROVIDER, str(e), status=502)
        if isinstance(e, (OSError, ConnectionError)):
            return BackendError(PROVIDER, f"backend connection failed: {e}", status=502)
        return e

    async def _call(self, fn: str, bck: Bucket | None, name: str | None,
                    props: dict[str, Any] | None = None, **kw: Any) -> Any:
        c = await self._client(props)
        try:
            return await getattr(c, fn)(**kw)
        except Exception as e:
            t = self._translate(e, bck, name)
            if t is e:
                raise
            raise t from e

    # --- Backend protocol -------------------------------------------------------------------
    async def head_bucket(self, bck: Bucket, props: dict[str, Any] | None = None
                          ) -> dict[str, str]:
        r = await self._call("head_bucket", bck, None, props, Bucket=bck.name)
        hdrs = r.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        return {"region": hdrs.get("x-amz-bucket-region", "")}

    async def list_buckets(self) -> list[str]:
        r = await self._call("list_buckets", None, None)
        return [b["Name"] for b in r.get("Buckets", [])]

    async def list_objects(self, bck: Bucket, prefix: str, token: str, page_size: int,
                           props: dict[str, Any] | None = None) -> RemotePage:
        kw: dict[str, Any] = {"Bucket": bck.name, "MaxKeys": min(page_size or 1000, 1000)}
        if prefix:
            kw["Prefix"] = prefix
        if token:
            kw["ContinuationToken"] = token
        r = await self._call("list_objects_v2", bck, None, props, **kw)
        entries = [RemoteEntry(o["Key"], int(o.get("Size", 0)), _etag(o.get("ETag")), "",
                               _ns(o.get("LastModified"))) for o in r.get("Contents", [])]
        return RemotePage(entries, r.get("NextContinuationToken", "") if r.get("IsTruncated")
                          else "")

    def _attrs(self, r: dict[str, Any]) -> RemoteAttrs:
        et = _etag(r.get("ETag"))
        vid = r.get("VersionId") or ""
        return RemoteAttrs(
            size=int(r.get("ContentLength", 0)), etag=et, version="" if vid == "null" else vid,
            last_modified_ns=_ns(r.get("LastModified")), md5=_md5_of(et),
            content_type=r.get("ContentType", "") or "",
            custom={k: v for k, v in (r.get("Metadata") or {}).items()})

    async def head_object(self, bck: Bucket, name: str, props: dict[str, Any] | None = None
                          ) -> RemoteAttrs:
        return self._attrs(await self._call("head_object", bck, name, props, Bucket=bck.name,
                                            Key=name))

    async def get_object(self, bck: Bucket, name: str, rng: tuple[int, int] | None = None,
                         props: dict[str, Any] | None = None) -> _Reader:
        kw: dict[str, Any] = {"Bucket": bck.name, "Key": name}
        if rng is not None:
            kw["Range"] = f"bytes={rng[0]}-{rng[0] + rng[1] - 1}"
        r = await self._call("get_object", bck, name, props, **kw)
        attrs = self._attrs(r)
        if rng is not None:
            cr = (r.get("ContentRange") or "").rsplit("/", 1)
            if len(cr) == 2 and cr[1].isdigit():
                attrs.size = int(cr[1])
        return _Reader(r, attrs, self._translate)

    async def put_object(self, bck: Bucket, name: str, path: str, size: int,
                         content_type: str = "", props: dict[str, Any] | None = None
                         ) -> RemoteAttrs:
        with open(path, "rb") as f:
            kw: dict[str, Any] = {"Bucket": bck.name, "Key": name, "Body": f,
                                  "ContentLength": size}
            if content_type:
                kw["ContentType"] = content_type
            r = await self._call("put_object", bck, name, props, **kw)
        et = _etag(r.get("ETag"))
        vid = r.get("VersionId") or ""
        return RemoteAttrs(size=size, etag=et, version="" if vid == "null" else vid,
                           md5=_md5_of(et))

    async def delete_object(self, bck: Bucket, name: str,
                            props: dict[str, Any] | None = None) -> None:
        await self._call("delete_object", bck, name, props, Bucket=bck.name, Key=name)

    async def close(self) -> None:
        await self._stack.aclose()
        self._clients.clear()

