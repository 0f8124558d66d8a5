"""Object operations on local mountpaths [AIS ais/tgtobj.go]: put, read, head, delete, copy,
append, custom metadata. Native and S3 handlers both call this.

Writes go through a work file (see `core.storage.atomic_write`); the metadata is attached to the
work file before the rename, so the object and its metadata appear together. Version bumps and
the rename happen under a per-object lock.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from ...config import ClusterConfig
from ...core.meta import bucket_props
from ...core.meta.bucket_map import BucketMap
from ...core.storage import layout, local_object
from ...core.storage.atomic_write import WorkFile
from ...core.storage.checksum import new_hasher
from ...core.storage.executor import run_blocking
from ...core.storage.local_object import ObjectMeta
from ...core.storage.locks import KeyedLocks
from ...core.storage.mountpaths import Mountpath, Mountpaths
from ...errors import (
    AccessDenied,
    ChecksumMismatch,
    IncompleteBody,
    InvalidRequest,
    NameConflict,
    ObjectNotFound,
)
from ...wire.bucket import Bucket


@dataclass
class OpenObject:
    """An object opened for reading: a consistent (file, metadata) snapshot."""

    file: BinaryIO
    meta: ObjectMeta
    path: str

    def close(self) -> None:
        self.file.close()


@dataclass
class PutOptions:
    size: int | None = None
    """Content-Length if known; a body that ends early is refused."""
    client_cksum: tuple[str, str] | None = None
    """(type, value) the client claims; validated when given."""
    custom: dict[str, str] | None = None
    extra_hashes: tuple[str, ...] = ()
    """Additional digests to compute while writing (e.g. md5 for S3 ETags)."""
    fsync: bool | None = None
    etag_hash: str = ""
    """Store this extra digest as the object's `ETag` custom key (S3: "md5")."""
    late_custom: Callable[[], dict[str, str]] | None = None
    """Called after the body is read (and verified), before commit: more custom metadata
    (e.g. checksums carried in aws-chunked trailers)."""
    before_commit: Callable[[str, ObjectMeta], Awaitable[dict[str, str]]] | None = None
    """Called with the complete work file and its metadata just before it is published; may
    return more custom metadata (write-through to a backend happens here). Raising aborts."""
    version: str | None = None
    """Use this version instead of the bucket's counter (remote objects keep the backend's)."""
    check: Callable[[ObjectMeta | None], None] | None = None
    """Called under the object's lock just before publishing, with the current object's
    metadata (None if absent); raising aborts (conditional writes)."""


@dataclass
class PutResult:
    meta: ObjectMeta
    digests: dict[str, str]


class ObjectService:
    """Objects of all buckets on this target's mountpaths."""

    def __init__(self, mountpaths: Mountpaths, buckets: BucketMap, cfg: ClusterConfig,
                 node_id: str) -> None:
        self.mountpaths = mountpaths
        self.buckets = buckets
        self.cfg = cfg
        self.node_id = node_id
        self.locks = KeyedLocks()
        self._atimes: dict[str, int] = {}
        self._generations: dict[str, int] = {}

    def generation(self, bck: Bucket) -> int:
        """Bumped whenever a name appears in or leaves `bck` (keys listing caches)."""
        return self._generations.get(bck.uname(), 0)

    def bump(self, bck: Bucket) -> None:
        key = bck.uname()
        self._generations[key] = self._generations.get(key, 0) + 1

    # --- addressing -----------------------------------------------------------------------
    def locate(self, bck: Bucket, name: str) -> tuple[Mountpath, str]:
        """Validate `name` and return (mountpath, object path)."""
        layout.validate_object_name(name, self.cfg.max_object_name)
        mp = self.mountpaths.for_object(bck.uname(name))
        return mp, layout.object_path(mp.path, bck, name)

    def props(self, bck: Bucket) -> dict[str, Any]:
        return self.buckets.get(bck)

    @staticmethod
    def _check_access(props: dict[str, Any], bit: int, what: str, bck: Bucket) -> None:
        if not int(props.get("access", bucket_props.ACCESS_ALL)) & bit:
            raise AccessDenied(f"{bck}: {what} is not allowed by the bucket's access property")

    # --- write ----------------------------------------------------------------------------
    async def put(self, bck: Bucket, name: str,
                  body: AsyncIterable[bytes] | Callable[[WorkFile], None],
                  opts: PutOptions | None = None) -> PutResult:
        opts = opts or PutOptions()
        props = self.props(bck)
        self._check_access(props, bucket_props.ACE_PUT, "PUT", bck)
        mp, path = self.locate(bck, name)
        if opts.size is not None and opts.size > self.cfg.max_put_size:
            from ...errors import EntityTooLarge

            raise EntityTooLarge("object", self.cfg.max_put_size)
        self.mountpaths.ensure_space(mp, opts.size or 0)
        cktype = props["checksum"]["type"]
        extra = tuple(opts.extra_hashes) + ((opts.etag_hash,) if opts.etag_hash else ())
        if opts.client_cksum and opts.client_cksum[0] not in (cktype, "none", ""):
            extra += (opts.client_cksum[0],)
        wf = WorkFile(mp.path, cktype, extra)
        try:
            if callable(body):  # a filler that writes the work file itself, in the I/O pool
                await run_blocking(body, wf)
                if opts.size is not None and wf.size != opts.size:
                    raise IncompleteBody(opts.size, wf.size)
            else:
                await wf.fill(body, opts.size, self.cfg.max_put_size)
            if opts.client_cksum and opts.client_cksum[0] not in ("none", ""):
                kind, want = opts.client_cksum
                got = wf.digest() if kind == cktype else wf.extra_digest(kind)
                if got.lower() != want.lower():
                    raise ChecksumMismatch(kind, want, got)
            custom = dict(opts.custom or {})
            if opts.late_custom is not None:
                custom.update(opts.late_custom())
            if opts.etag_hash:
                custom["ETag"] = wf.extra_digest(opts.etag_hash)
            meta = ObjectMeta(
                name=name, size=wf.size, cksum_type=cktype if cktype != "none" else "",
                cksum_value=wf.digest(), custom=custom,
            )
            if opts.before_commit is not None:
                meta.custom.update(await opts.before_commit(wf.path, meta))
            fsync = opts.fsync if opts.fsync is not None else (
                self.cfg.fsync_put
                or bool(int(props.get("features", "0")) & bucket_props.FEATURE_FSYNC_PUT))
            await self._commit(bck, name, path, wf, meta, props, fsync, opts.version, opts.check)
            digests = {k: wf.extra_digest(k) for k in wf.extra}
            return PutResult(meta, digests)
        except BaseException:
            wf.abort()
            raise

    async def _commit(self, bck: Bucket, name: str, path: str, wf: WorkFile, meta: ObjectMeta,
                      props: dict[str, Any], fsync: bool, version: str | None = None,
                      check: Callable[[ObjectMeta | None], None] | None = None) -> None:
        async with self.locks.hold(path):
            if check is not None:
                check(local_object.read_meta(path))
            now = time.time_ns()
            meta.atime_ns = meta.mtime_ns = now
            if version is not None:
                meta.version = version
            elif not meta.version and props["versioning"]["enabled"]:
                old = local_object.read_meta(path)
                meta.version = str(_next_version(old.version if old else ""))
            os.setxattr(wf.path, local_object.XATTR, local_object.encode(meta))
            try:
                if fsync:
                    await run_blocking(wf.commit, path, True)
                else:
                    wf.commit(path, False)
            except NameConflict:
                raise NameConflict(str(bck), name) from None
            self._atimes.pop(path, None)
            self.bump(bck)

    async def commit_fetched(self, bck: Bucket, name: str, path: str, wf: WorkFile,
                             meta: ObjectMeta, version: str | None) -> None:
        """Publish a work file filled from a backend (cold GET); keeps the backend's version."""
        props = self.props(bck)
        await self._commit(bck, name, path, wf, meta, props, False, version or "")

    async def put_bytes(self, bck: Bucket, name: str, data: bytes,
                        opts: PutOptions | None = None) -> PutResult:
        async def one() -> Any:
            yield data

        opts = opts or PutOptions()
        opts.size = len(data)
        return await self.put(bck, name, one(), opts)

    # --- read -----------------------------------------------------------------------------
    def stat(self, bck: Bucket, name: str) -> tuple[ObjectMeta, str]:
        """Metadata and path of an existing object; ObjectNotFound otherwise."""
        self.props(bck)
        _, path = self.locate(bck, name)
        meta = local_object.read_meta(path)
        if meta is None or os.path.isdir(path):
            raise ObjectNotFound(str(bck), name)
        if path in self._atimes:
            meta.atime_ns = max(meta.atime_ns, self._atimes[path])
        return meta, path

    def open(self, bck: Bucket, name: str) -> OpenObject:
        """Open for reading: file and metadata come from the same inode."""
        props = self.props(bck)
        self._check_access(props, bucket_props.ACE_GET, "GET", bck)
        _, path = self.locate(bck, name)
        try:
            f = open(path, "rb", buffering=0)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(str(bck), name) from None
        try:
            raw = os.getxattr(f.fileno(), local_object.XATTR)
            meta = local_object.decode(raw)
        except (OSError, ValueError):
            f.close()
            raise ObjectNotFound(str(bck), name) from None
        now = time.time_ns()
        self._atimes[path] = now
        meta.atime_ns = now
        return OpenObject(f, meta, path)  # type: ignore[arg-type]

    async def read_all(self, bck: Bucket, name: str) -> tuple[ObjectMeta, bytes]:
        obj = self.open(bck, name)
        try:
            data = await run_blocking(obj.file.read)
            return obj.meta, data or b""
        finally:
            obj.close()

    async def validate(self, obj: OpenObject) -> None:
        """Recompute the stored checksum (warm-GET validation)."""
        if not obj.meta.cksum_type:
            return

        def compute() -> str:
            h = new_hasher(obj.meta.cksum_type)
            with open(obj.path, "rb") as f:
                while chunk := f.read(4 << 20):
                    h.update(chunk)
            return h.hexdigest()

        got = await run_blocking(compute)
        if got != obj.meta.cksum_value:
            raise ChecksumMismatch(obj.meta.cksum_type, obj.meta.cksum_value, got)

    # --- delete ---------------------------------------------------------------------------
    async def delete(self, bck: Bucket, name: str) -> None:
        props = self.props(bck)
        self._check_access(props, bucket_props.ACE_OBJ_DELETE, "DELETE", bck)
        mp, path = self.locate(bck, name)
        async with self.locks.hold(path):
            if local_object.read_meta(path) is None:
                raise ObjectNotFound(str(bck), name)
            try:
                os.unlink(path)
            except (FileNotFoundError, IsADirectoryError):
                raise ObjectNotFound(str(bck), name) from None
            self._atimes.pop(path, None)
            self.bump(bck)
        _prune_dirs(os.path.dirname(path), layout.objects_dir(mp.path, bck))

    # --- metadata -------------------------------------------------------------------------
    async def set_custom(self, bck: Bucket, name: str, md: dict[str, str],
                         replace: bool = False) -> ObjectMeta:
        _, path = self.locate(bck, name)
        async with self.locks.hold(path):
            meta, _ = self.stat(bck, name)
            meta.custom = dict(md) if replace else {**meta.custom, **md}
            local_object.write_meta(path, meta)
            return meta

    async def copy(self, src: Bucket, src_name: str, dst: Bucket, dst_name: str,
                   custom: dict[str, str] | None = None, etag_hash: str = "",
                   check: Callable[[ObjectMeta], None] | None = None) -> PutResult:
        """Copy an object (within or across buckets), recomputing the destination checksum."""
        obj = self.open(src, src_name)
        try:
            meta = obj.meta
            if check is not None:
                check(meta)

            async def chunks() -> Any:
                while True:
                    b = await run_blocking(obj.file.read, 4 << 20)
                    if not b:
                        return
                    yield b

            return await self.put(dst, dst_name, chunks(), PutOptions(
                size=meta.size, custom=dict(meta.custom if custom is None else custom),
                etag_hash=etag_hash))
        finally:
            obj.close()

    # --- append [AIS append_type=append|flush] --------------------------------------------
    async def append(self, bck: Bucket, name: str, handle: str,
                     body: AsyncIterable[bytes]) -> str:
        """Append to a pending work file identified by `handle` (empty = start a new one)."""
        props = self.props(bck)
        self._check_access(props, bucket_props.ACE_APPEND, "APPEND", bck)
        mp, _ = self.locate(bck, name)
        if handle:
            wpath = self._handle_path(mp, handle)
            if not os.path.exists(wpath):
                raise InvalidRequest(f'invalid append handle "{handle}"')
        else:
            handle = os.urandom(12).hex()
            wpath = self._handle_path(mp, handle)
        with open(wpath, "ab") as f:
            async for chunk in body:
                f.write(chunk)
        return handle

    async def flush_append(self, bck: Bucket, name: str, handle: str) -> ObjectMeta:
        mp, _ = self.locate(bck, name)
        wpath = self._handle_path(mp, handle)
        if not handle or not os.path.exists(wpath):
            raise InvalidRequest(f'invalid append handle "{handle}"')

        async def chunks() -> Any:
            with open(wpath, "rb") as f:
                while b := f.read(4 << 20):
                    yield b

        res = await self.put(bck, name, chunks(), PutOptions(size=os.path.getsize(wpath)))
        os.unlink(wpath)
        return res.meta

    @staticmethod
    def _handle_path(mp: Mountpath, handle: str) -> str:
        if not handle.isalnum() or len(handle) > 64:
            raise InvalidRequest(f'invalid append handle "{handle}"')
        return os.path.join(layout.work_dir(mp.path), "append-" + handle)

    # --- atime ----------------------------------------------------------------------------
    def flush_atimes(self) -> int:
        """Persist access times collected in memory (AIS keeps atime lazily, too)."""
        items, self._atimes = self._atimes, {}
        n = 0
        for path, at in items.items():
            meta = local_object.read_meta(path)
            if meta and at > meta.atime_ns:
                meta.atime_ns = at
                try:
                    local_object.write_meta(path, meta)
                    n += 1
                except OSError:
                    pass
        return n


def etag_of(meta: ObjectMeta) -> str:
    """AIS LOM.ETag: custom ETag, else the MD5 checksum, else a synthesized one."""
    if meta.custom.get("ETag"):
        return meta.custom["ETag"]
    if meta.cksum_type == "md5":
        return meta.cksum_value
    if meta.cksum_value:
        return f"v1-{meta.cksum_value}-{_base36(meta.mtime_ns)}"
    return ""


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _next_version(v: str) -> int:
    try:
        return int(v) + 1
    except ValueError:
        return 1


def _prune_dirs(d: str, stop: str) -> None:
    """Remove empty parent directories up to (not including) `stop`."""
    while d.startswith(stop) and d != stop:
        try:
            os.rmdir(d)
        except OSError as e:
            if e.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT, errno.EBUSY):
                return
            return
        d = os.path.dirname(d)
