"""The bucket map [AIS BMD]: every bucket with its properties; versioned and persisted.

Single-node: one JSON file under the data dir, rewritten atomically on every change. All
mutations go through `update()` so the version bumps once per change and readers see either the
old map or the new one.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ...errors import BucketAlreadyExists, BucketNotFound
from ...wire.bucket import Bucket, Namespace, normalize_provider
from . import bucket_props, versioned


def _key(b: Bucket) -> str:
    return b.uname()


class BucketMap:
    """Buckets and their props; persisted at `path`."""

    def __init__(self, path: Path, uuid: str = "") -> None:
        self.path = path
        self.version = 0
        self.uuid = uuid or secrets.token_hex(8)
        self._buckets: dict[str, tuple[Bucket, dict[str, Any]]] = {}
        self._lock = asyncio.Lock()
        self._next_bid = 1

    # --- persistence ----------------------------------------------------------------------
    def load(self) -> None:
        got = versioned.load(self.path)
        if got is None:
            return
        self.version, body = got
        self.uuid = body.get("uuid", self.uuid)
        self._next_bid = int(body.get("next_bid", 1))
        for e in body.get("buckets", []):
            ns = Namespace(e["namespace"].get("uuid", ""), e["namespace"].get("name", ""))
            b = Bucket(e["name"], normalize_provider(e["provider"]), ns)
            self._buckets[_key(b)] = (b, e["props"])

    def _save(self) -> None:
        body = {
            "uuid": self.uuid,
            "next_bid": self._next_bid,
            "buckets": [
                {**b.to_json(), "props": p} for b, p in sorted(
                    self._buckets.values(), key=lambda bp: _key(bp[0]))
            ],
        }
        versioned.save(self.path, self.version, body)

    # --- reads ----------------------------------------------------------------------------
    def get(self, b: Bucket) -> dict[str, Any]:
        """Props of `b` (do not mutate); BucketNotFound if absent."""
        try:
            return self._buckets[_key(b)][1]
        except KeyError:
            raise BucketNotFound(str(b)) from None

    def lookup(self, b: Bucket) -> dict[str, Any] | None:
        e = self._buckets.get(_key(b))
        return e[1] if e else None

    def list(self, provider: str | None = None) -> list[Bucket]:
        out = [b for b, _ in self._buckets.values() if provider in (None, "", b.provider)]
        return sorted(out, key=lambda b: (b.provider, b.ns.uname(), b.name))

    def items(self) -> Iterable[tuple[Bucket, dict[str, Any]]]:
        return list(self._buckets.values())

    # --- writes ---------------------------------------------------------------------------
    async def update(self, fn: Callable[[], None]) -> None:
        async with self._lock:
            snapshot = (copy.copy(self._buckets), self._next_bid, self.version)
            try:
                fn()
                self.version += 1
                self._save()
            except BaseException:
                self._buckets, self._next_bid, self.version = snapshot
                raise

    async def add(self, b: Bucket, props: dict[str, Any]) -> dict[str, Any]:
        def do() -> None:
            if _key(b) in self._buckets:
                raise BucketAlreadyExists(str(b))
            p = copy.deepcopy(props)
            p["bid"] = str(self._next_bid)
            p["created"] = str(time.time_ns())
            self._next_bid += 1
            self._buckets[_key(b)] = (b, p)

        await self.update(do)
        return self.get(b)

    async def remove(self, b: Bucket) -> None:
        def do() -> None:
            if self._buckets.pop(_key(b), None) is None:
                raise BucketNotFound(str(b))

        await self.update(do)

    async def set_props(self, b: Bucket, updates: dict[str, Any]) -> tuple[dict, dict]:
        """Apply updates; returns (old, new) props."""
        result: list[dict[str, Any]] = []

        def do() -> None:
            old = self.get(b)
            new = bucket_props.apply_updates(old, updates)
            self._buckets[_key(b)] = (b, new)
            result[:] = [old, new]

        await self.update(do)
        return result[0], result[1]

    async def replace_props(self, b: Bucket, props: dict[str, Any]) -> None:
        def do() -> None:
            old = self.get(b)
            p = copy.deepcopy(props)
            p["bid"], p["created"] = old["bid"], old["created"]
            self._buckets[_key(b)] = (b, p)

        await self.update(do)
