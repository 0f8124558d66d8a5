"""Streaming request bodies for object PUT: a file path, bytes, an open binary file (stdin, a
pipe) or an async iterable, read in `CHUNK_SIZE` pieces with progress reporting, and sent again
after a redirect when the source allows it. Nothing here holds a whole object in memory.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from concurrent.futures import Executor
from typing import IO

from yarl import URL

from .errors import ClientError
from .types import ProgressFn

CHUNK_SIZE = 1 << 20

Source = str | os.PathLike[str] | bytes | IO[bytes] | AsyncIterable[bytes]


async def _read_chunks(f: IO[bytes], io: Executor | None) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    while True:
        buf = await loop.run_in_executor(io, f.read, CHUNK_SIZE)
        if not buf:
            return
        yield buf


class UploadBody:
    """A PUT body read in chunks; restartable after a redirect when its source allows it
    (path, bytes, seekable file), else only while nothing has been read yet."""

    def __init__(
        self,
        source: Source,
        size: int | None,
        progress: ProgressFn | None,
        io: Executor | None = None,
    ) -> None:
        self._source = source
        self._io = io
        self._progress = progress
        self._pos: int | None = None
        self.sent = 0  # high-water mark of bytes handed to the connection
        self._started = False
        self.size: int | None
        if isinstance(source, (str, os.PathLike)):
            self.size, self.replayable = os.stat(source).st_size, True
        elif isinstance(source, bytes):
            self.size, self.replayable = len(source), True
        elif isinstance(source, AsyncIterable):
            self.size, self.replayable = size, False
        else:
            self.size = size if size is not None else _regular_file_size(source)
            try:
                self._pos = source.tell() if source.seekable() else None
            except (OSError, ValueError):
                self._pos = None
            self.replayable = self._pos is not None

    def stream(self, url: URL) -> AsyncGenerator[bytes, None]:
        """A fresh iterator over the body (raises if it cannot be restarted)."""
        if self._started and not self.replayable:
            raise ClientError(
                0, f"the server redirected a streamed upload to {url}; a non-seekable source "
                "cannot be sent again - upload to that URL directly"
            )
        return self._chunks()

    async def _chunks(self) -> AsyncGenerator[bytes, None]:
        src, done = self._source, 0
        pieces: AsyncIterator[bytes]
        opened: IO[bytes] | None = None
        if isinstance(src, (str, os.PathLike)):
            opened = open(src, "rb")  # noqa: SIM115 - closed below
            pieces = _read_chunks(opened, self._io)
        elif isinstance(src, bytes):
            pieces = _bytes_chunks(src)
        elif isinstance(src, AsyncIterable):
            pieces = aiter(src)
        else:
            if self._pos is not None:
                src.seek(self._pos)
            pieces = _read_chunks(src, self._io)
        try:
            async for piece in pieces:
                self._started = True
                done += len(piece)
                if done > self.sent:
                    if self._progress:
                        self._progress(done - self.sent)
                    self.sent = done
                yield piece
        finally:
            if opened is not None:
                opened.close()


async def _bytes_chunks(data: bytes) -> AsyncIterator[bytes]:
    view = memoryview(data)
    for i in range(0, len(data), CHUNK_SIZE):
        yield bytes(view[i : i + CHUNK_SIZE])


def _regular_file_size(f: IO[bytes]) -> int | None:
    """Remaining size of a seekable regular file, None for pipes and terminals."""
    try:
        st = os.fstat(f.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        return st.st_size - f.tell()
    except OSError:
        return None
