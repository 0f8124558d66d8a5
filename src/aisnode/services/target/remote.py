"""Objects of buckets that front a backend [AIS ais/tgtobj.go, ais/tgtfcold.go]: cold GET,
warm GET with version validation, write-through PUT and DELETE, merged listings.

A bucket is "backed" when its provider is remote (`s3://`, `gs://`, `az://`, `ht://`,
`ais://@cluster/`) or when an ais bucket has `backend_bck` set. For any other bucket every call
goes straight to the local `ObjectService`.

Cold GET streams the backend's bytes to the client while writing them to a work file; the object
is published (with checksum, size and the backend's ETag/version/Last-Modified in its custom
metadata) only when the whole body arrived. Concurrent cold GETs of one object fetch it once: the
others wait and then read the local copy. A failure mid-stream aborts the work file, so nothing
half-fetched is ever cached. A Range GET of an object that is not cached is passed through to the
backend and not cached (caching the whole object to serve a slice would read far more than asked).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from ...backends.base import Backend, RemoteAttrs, RemoteEntry, RemoteReader
from ...backends.registry import Backends
from ...core.storage.atomic_write import WorkFile
from ...core.storage.local_object import ObjectMeta, read_meta
from ...errors import ChecksumMismatch, NotFound, ObjectNotFound
from ...wire.bucket import Bucket, Namespace, normalize_provider
from .objects import ObjectService, OpenObject, PutOptions, PutResult

# custom metadata keys for what the backend said (AIS cmn/objattrs.go names)
SOURCE = "source"
ETAG = "ETag"
LAST_MODIFIED = "LastModified"
REMOTE_VERSION = "remote-version"
REMOTE_MD5 = "remote-md5"
REMOTE_ETAG = "remote-etag"


@dataclass
class Backed:
    backend: Backend
    remote: Bucket
    props: dict[str, Any]


class StreamedObject:
    """A body being fetched from a backend (cold GET or a pass-through range)."""

    def __init__(self, attrs: RemoteAttrs, chunks: AsyncIterator[bytes], size: int,
                 meta: ObjectMeta | None = None, offset: int = 0) -> None:
        self.attrs = attrs
        self.chunks = chunks
        self.size = size
        """Bytes this stream carries (the slice length for a range)."""
        self.meta = meta
        """Metadata the object will have once cached (None for pass-through)."""
        self.offset = offset
        self.total = attrs.size
        """Size of the whole object."""

    @property
    def is_range(self) -> bool:
        return self.meta is None


def remote_custom(provider: str, a: RemoteAttrs) -> dict[str, str]:
    out = {SOURCE: provider}
    if a.etag:
        out[ETAG] = a.etag
        out[REMOTE_ETAG] = a.etag
    if a.last_modified_ns:
        out[LAST_MODIFIED] = formatdate(a.last_modified_ns / 1e9, usegmt=True)
    if a.version:
        out[REMOTE_VERSION] = a.version
    if a.md5:
        out[REMOTE_MD5] = a.md5
    return out


def cached_identity(meta: ObjectMeta) -> str:
    """The backend identity recorded when the object was cached (see RemoteAttrs.identity)."""
    c = meta.custom
    if c.get(REMOTE_VERSION):
        return c[REMOTE_VERSION]
    if c.get(REMOTE_ETAG):
        return c[REMOTE_ETAG]
    if c.get(ETAG):
        return c[ETAG]
    if c.get(LAST_MODIFIED):  # servers without ETags (plain HTTP): mtime:size, as identity()
        try:
            secs = int(parsedate_to_datetime(c[LAST_MODIFIED]).timestamp())
            return f"{secs * 1_000_000_000}:{meta.size}"
        except (TypeError, ValueError):
            pass
    return ""


class RemoteObjects:
    def __init__(self, objects: ObjectService, backends: Backends) -> None:
        self.objects = objects
        self.backends = backends
        self._inflight: dict[str, asyncio.Future[None]] = {}

    # --- which backend --------------------------------------------------------------------
    def backed(self, bck: Bucket) -> Backed | None:
        props = self.objects.props(bck)
        if bck.is_remote:
            return Backed(self.backends.for_bucket(bck), bck, props)
        bb = props.get("backend_bck") or {}
        if bb.get("name"):
            ns = bb.get("namespace") or {}
            remote = Bucket(bb["name"], normalize_provider(bb.get("provider") or ""),
                            Namespace(ns.get("uuid", ""), ns.get("name", "")))
            return Backed(self.backends.for_bucket(remote), remote, props)
        return None

    # --- read -----------------------------------------------------------------------------
    async def get(self, bck: Bucket, name: str,
                  range_of: Callable[[int], tuple[int, int] | None] | None = None,
                  latest: bool = False) -> OpenObject | StreamedObject:
        """Local object (open, for sendfile; the caller applies any range) or a stream from the
        backend. `range_of(size)` turns the client's Range into (offset, length) or None."""
        b = self.backed(bck)
        if b is None:
            return self.objects.open(bck, name)
        while True:
            try:
                obj = self.objects.open(bck, name)
            except ObjectNotFound:
                obj = None
            if obj is not None:
                vers = b.props["versioning"]
                if not (latest or vers["validate_warm_get"] or vers["synchronize"]):
                    return obj
                try:
                    fresh = await self._still_current(b, bck, name, obj.meta)
                except BaseException:
                    obj.close()
                    raise
                if fresh:
                    return obj
                obj.close()
            if range_of is not None:
                a = await b.backend.head_object(b.remote, name, props=b.props)
                rng = range_of(a.size)
                if rng is not None:
                    return await self._pass_through(b, name, rng)
            _, path = self.objects.locate(bck, name)
            fut = self._inflight.get(path)
            if fut is not None:  # another request is fetching it: wait, then read locally
                try:
                    await asyncio.shield(fut)
                except Exception:
                    pass
                continue
            return await self._cold(b, bck, name, path)

    async def _still_current(self, b: Backed, bck: Bucket, name: str, meta: ObjectMeta) -> bool:
        """Compare the cached copy with the backend; drop it if the backend lost it and the
        bucket synchronizes."""
        try:
            a = await b.backend.head_object(b.remote, name, props=b.props)
        except ObjectNotFound:
            if b.props["versioning"]["synchronize"]:
                await self.objects.delete(bck, name)
            raise ObjectNotFound(str(bck), name) from None
        have = cached_identity(meta)
        return bool(have) and have == a.identity()

    async def _pass_through(self, b: Backed, name: str, rng: tuple[int, int]) -> StreamedObject:
        reader = await b.backend.get_object(b.remote, name, rng, props=b.props)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for c in reader.chunks():
                    yield c
            finally:
                await reader.close()

        return StreamedObject(reader.attrs, chunks(), rng[1], offset=rng[0])

    async def cache_stream(self, bck: Bucket, name: str, reader: RemoteReader) -> StreamedObject:
        """Serve and cache a download opened elsewhere (S3 presigned pass-through)."""
        b = self.backed(bck)
        assert b is not None
        _, path = self.objects.locate(bck, name)
        return await self._cold(b, bck, name, path, reader)

    async def _cold(self, b: Backed, bck: Bucket, name: str, path: str,
                    reader: RemoteReader | None = None) -> StreamedObject:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._inflight[path] = fut
        try:
            if reader is None:
                reader = await b.backend.get_object(b.remote, name, props=b.props)
        except BaseException as e:
            self._finish(path, fut, e)
            raise
        mp, _ = self.objects.locate(bck, name)
        cktype = b.props["checksum"]["type"]
        validate = bool(b.props["checksum"].get("validate_cold_get") and reader.attrs.md5)
        try:
            self.objects.mountpaths.ensure_space(mp, reader.attrs.size)
            wf = WorkFile(mp.path, cktype, ("md5",) if validate else ())
        except BaseException as e:
            await reader.close()
            self._finish(path, fut, e)
            raise
        meta = ObjectMeta(name=name, size=reader.attrs.size,
                          custom=remote_custom(b.remote.provider, reader.attrs))
        return StreamedObject(reader.attrs, self._tee(b, bck, name, path, reader, wf, meta, fut,
                                                      validate), reader.attrs.size, meta)

    async def _tee(self, b: Backed, bck: Bucket, name: str, path: str, reader: RemoteReader,
                   wf: WorkFile, meta: ObjectMeta, fut: asyncio.Future[None],
                   validate: bool) -> AsyncIterator[bytes]:
        err: BaseException | None = None
        try:
            buf: list[bytes] = []
            n = 0
            async for chunk in reader.chunks():
                buf.append(chunk)
                n += len(chunk)
                if n >= 1 << 20:
                    wf.write_chunks(buf)
                    buf, n = [], 0
                yield chunk
            if buf:
                wf.write_chunks(buf)
            if wf.size != reader.attrs.size:
                raise ChecksumMismatch("size", str(reader.attrs.size), str(wf.size))
            if validate and wf.extra_digest("md5") != reader.attrs.md5:
                raise ChecksumMismatch("md5", reader.attrs.md5, wf.extra_digest("md5"))
            meta.size = wf.size
            meta.cksum_type = wf.cksum_type if wf.cksum_type != "none" else ""
            meta.cksum_value = wf.digest()
            await self.objects.commit_fetched(bck, name, path, wf, meta,
                                              reader.attrs.version or None)
        except BaseException as e:
            err = e
            wf.abort()
            raise
        finally:
            await reader.close()
            self._finish(path, fut, err)

    def _finish(self, path: str, fut: asyncio.Future[None], err: BaseException | None) -> None:
        if self._inflight.get(path) is fut:
            del self._inflight[path]
        if not fut.done():
            if err is None or isinstance(err, GeneratorExit):
                fut.set_result(None)
            else:
                fut.set_exception(err if isinstance(err, Exception) else RuntimeError(str(err)))
                fut.exception()  # mark retrieved: waiters retry on their own

    async def fetch(self, bck: Bucket, name: str, latest: bool = False) -> int:
        """Make sure the object is cached (prefetch); returns bytes fetched (0 if warm)."""
        got = await self.get(bck, name, latest=latest)
        if isinstance(got, OpenObject):
            got.close()
            return 0
        n = 0
        async for c in got.chunks:
            n += len(c)
        return n

    # --- head -----------------------------------------------------------------------------
    async def head(self, bck: Bucket, name: str, latest: bool = False
                   ) -> tuple[ObjectMeta, bool, str]:
        """(metadata, present locally, local path or '')."""
        b = self.backed(bck)
        try:
            meta, path = self.objects.stat(bck, name)
            if b is not None and latest:
                if not await self._still_current(b, bck, name, meta):
                    raise ObjectNotFound(str(bck), name)
            return meta, True, path
        except ObjectNotFound:
            if b is None:
                raise
        a = await b.backend.head_object(b.remote, name, props=b.props)
        meta = ObjectMeta(name=name, size=a.size, version=a.version,
                          mtime_ns=a.last_modified_ns,
                          custom=remote_custom(b.remote.provider, a))
        return meta, False, ""

    # --- write ----------------------------------------------------------------------------
    async def put(self, bck: Bucket, name: str,
                  body: AsyncIterable[bytes] | Callable[[WorkFile], None],
                  opts: PutOptions | None = None) -> PutResult:
        """Write-through for backed buckets: the backend gets the object before it is
        published locally; a backend failure leaves nothing new, locally or remotely."""
        opts = opts or PutOptions()
        b = self.backed(bck)
        if b is None:
            return await self.objects.put(bck, name, body, opts)
        inner = opts.before_commit

        async def upload(work_path: str, meta: ObjectMeta) -> dict[str, str]:
            extra = await inner(work_path, meta) if inner else {}
            a = await b.backend.put_object(b.remote, name, work_path, meta.size,
                                           meta.custom.get("Content-Type", ""), props=b.props)
            a.size = meta.size
            if a.version:
                meta.version = a.version
            return {**extra, **{k: v for k, v in remote_custom(b.remote.provider, a).items()
                                if k != ETAG or "ETag" not in meta.custom}}

        opts.before_commit = upload
        return await self.objects.put(bck, name, body, opts)

    async def delete(self, bck: Bucket, name: str) -> None:
        """Backend first, then the local copy; missing on one side is fine if the other had
        it."""
        b = self.backed(bck)
        if b is None:
            return await self.objects.delete(bck, name)
        remote_missing = False
        try:
            await b.backend.delete_object(b.remote, name, props=b.props)
        except ObjectNotFound:
            remote_missing = True
        try:
            await self.objects.delete(bck, name)
        except ObjectNotFound:
            if remote_missing:
                raise

    async def evict(self, bck: Bucket, name: str) -> bool:
        """Drop the cached copy only (the backend keeps the object)."""
        try:
            await self.objects.delete(bck, name)
            return True
        except NotFound:
            return False

    def is_cached(self, bck: Bucket, name: str) -> bool:
        try:
            _, path = self.objects.locate(bck, name)
        except Exception:
            return False
        return os.path.isfile(path)

    # --- list -----------------------------------------------------------------------------
    async def list_page(self, bck: Bucket, prefix: str, token: str, page_size: int
                        ) -> tuple[list[tuple[RemoteEntry, ObjectMeta | None]], str]:
        """One page of the backend's listing, each entry with its cached metadata (or None)."""
        b = self.backed(bck)
        assert b is not None
        page = await b.backend.list_objects(b.remote, prefix, token, page_size, props=b.props)
        out: list[tuple[RemoteEntry, ObjectMeta | None]] = []
        for e in page.entries:
            meta = None
            try:
                _, path = self.objects.locate(bck, e.name)
                meta = read_meta(path)
            except Exception:
                meta = None
            out.append((e, meta))
        return out, page.token
