"""Per-key asyncio locks (one per object path) that disappear when nobody holds them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, n = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, n + 1)
        try:
            async with lock:
                yield
        finally:
            lock2, n2 = self._locks[key]
            if n2 <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock2, n2 - 1)

    def is_locked(self, key: str) -> bool:
        e = self._locks.get(key)
        return bool(e and e[0].locked())
