"""Atomic object writes: stream into a work file while hashing, optionally fsync, then rename.

A crash leaves either the previous object or the new one, never a mix; an aborted write removes
its work file. Disk-full surfaces as InsufficientStorage (507) with nothing half-written.
"""

from __future__ import annotations

import asyncio
import errno
import mmap
import os
import secrets
from collections.abc import AsyncIterable
from typing import Any

from ...errors import IncompleteBody, InsufficientStorage, NameConflict
from . import layout
from .checksum import Hasher, new_hasher
from .executor import run_blocking

# below this many buffered bytes, writes and hashing stay on the event loop (cheaper than a hop)
INLINE_LIMIT = 256 << 10
BATCH = 4 << 20


def _disk_error(e: OSError) -> Exception:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientStorage(str(e))
    return e


class WorkFile:
    """A work file being filled; finish with `commit()` or `abort()`.

    `slot_of=(path, offset)` writes into a region of an existing shared file instead (a
    multipart part written in place); `abort()` then leaves that file alone.
    """

    def __init__(self, mp_path: str, cksum_type: str, extra: tuple[str, ...] = (),
                 slot_of: tuple[str, int] | None = None) -> None:
        self.cksum_type = cksum_type
        self.hasher: Hasher = new_hasher(cksum_type)
        self.extra: dict[str, Hasher] = {
            k: new_hasher(k) for k in extra if k != cksum_type
        }
        if cksum_type in extra:
            self.extra[cksum_type] = self.hasher
        self.size = 0
        self.offset = 0
        self.owns_file = slot_of is None
        if slot_of is not None:
            self.path, self.offset = slot_of
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o644)
            return
        self.path = os.path.join(layout.work_dir(mp_path), secrets.token_hex(12))
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileNotFoundError:
            os.makedirs(layout.work_dir(mp_path), exist_ok=True)
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)

    def write_chunks(self, chunks: list[bytes]) -> None:
        """Write and hash a batch (blocking). `writev` avoids joining the batch into a copy."""
        self._write_primary(chunks)
        self._hash_extra(chunks)

    def _write_primary(self, chunks: list[bytes]) -> None:
        try:
            _pwritev_all(self.fd, chunks, self.offset + self.size)
        except OSError as e:
            raise _disk_error(e) from e
        for c in chunks:
            self.hasher.update(c)
            self.size += len(c)

    def _hash_extra(self, chunks: list[bytes]) -> None:
        """Digests besides the bucket checksum (e.g. S3's MD5); hashlib releases the GIL, so
        this runs in parallel with `_write_primary` on another pool thread."""
        for h in self.extra.values():
            if h is not self.hasher:
                for c in chunks:
                    h.update(c)

    def _batch(self, chunks: list[bytes]) -> asyncio.Future[Any]:
        if any(h is not self.hasher for h in self.extra.values()):
            return asyncio.gather(run_blocking(self._write_primary, chunks),
                                  run_blocking(self._hash_extra, chunks))
        return asyncio.ensure_future(run_blocking(self._write_primary, chunks))

    async def fill(self, src: AsyncIterable[bytes], expected: int | None = None,
                   limit: int | None = None) -> None:
        """Consume `src` into the file; checks the length against `expected`.

        Batches are written in the I/O pool while the next batch is received (one write in
        flight), so network and disk overlap; `received` counts bytes taken from `src`.
        """
        buf: list[bytes] = []
        n = received = 0
        pending: asyncio.Future[Any] | None = None
        try:
            async for chunk in src:
                if not chunk:
                    continue
                buf.append(chunk)
                n += len(chunk)
                received += len(chunk)
                if limit is not None and received > limit:
                    from ...errors import EntityTooLarge

                    raise EntityTooLarge("object", limit)
                if n >= BATCH:
                    if pending is not None:
                        await pending
                    pending = self._batch(buf)
                    buf, n = [], 0
            if pending is not None:
                await pending
                pending = None
            if buf:
                if n <= INLINE_LIMIT:
                    self.write_chunks(buf)
                else:
                    await self._batch(buf)
        finally:
            if pending is not None:  # never leave a write running on an fd about to be closed
                await asyncio.gather(pending, return_exceptions=True)
        if expected is not None and self.size != expected:
            raise IncompleteBody(expected, self.size)

    def digest(self) -> str:
        return self.hasher.hexdigest()

    def extra_digest(self, kind: str) -> str:
        return self.extra[kind].hexdigest()

    def commit(self, dst: str, fsync: bool) -> None:
        """fsync (if asked), close, and rename over `dst` (blocking; call via run_blocking)."""
        try:
            if fsync:
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            try:
                os.rename(self.path, dst)
            except (FileNotFoundError, NotADirectoryError):
                _make_parent(dst)
                os.rename(self.path, dst)
            except IsADirectoryError:
                raise NameConflict("", dst) from None
            if fsync:
                dfd = os.open(os.path.dirname(dst), os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
        except OSError as e:
            raise _disk_error(e) from e

    def adopt(self, src: str, size: int) -> None:
        """Make the complete file `src` (same file system) this work file's content, cut to
        `size`, and compute the digests by reading it (blocking). No data is copied."""
        os.close(self.fd)
        os.replace(src, self.path)
        self.fd = os.open(self.path, os.O_RDWR)
        os.ftruncate(self.fd, size)
        self.size = size
        if size == 0:
            return
        with mmap.mmap(self.fd, size, prot=mmap.PROT_READ) as m:  # hash in place, no copies
            view = memoryview(m)
            try:
                for pos in range(0, size, 64 << 20):
                    block = view[pos:pos + (64 << 20)]
                    self.hasher.update(block)
                    self._hash_extra([block])  # type: ignore[list-item]
                    block.release()
            finally:
                view.release()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def abort(self) -> None:
        self.close()
        if not self.owns_file:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def _pwritev_all(fd: int, bufs: list[bytes], offset: int) -> None:
    """pwritev at `offset` until every byte is written (a short write resumes)."""
    views = [memoryview(b) for b in bufs if b]
    while views:
        n = os.pwritev(fd, views[:1024], offset)  # IOV_MAX
        offset += n
        while n and views:
            if n >= len(views[0]):
                n -= len(views[0])
                views.pop(0)
            else:
                views[0] = views[0][n:]
                n = 0


def _make_parent(dst: str) -> None:
    try:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise NameConflict("", dst) from None
