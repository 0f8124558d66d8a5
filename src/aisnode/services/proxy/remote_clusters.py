"""Attached remote aisnode/AIS clusters [AIS config `backend.ais`, `ais cluster remote-attach`].

Each attached cluster has an alias and one or more URLs; on attach (and on every `show`) its
cluster map is read to learn its UUID, primary, map version and target count. Buckets of a
remote cluster are addressed `ais://@alias/bucket` or `ais://@uuid/bucket`; both resolve to the
UUID, which is what the bucket map and the on-disk layout use. A cluster that cannot be reached
stays attached and is shown offline with its last known facts. Persisted under the data dir.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...core.meta import versioned
from ...core.storage.executor import run_blocking
from ...errors import InvalidRequest, NotFound
from ...wire.bucket import Bucket, Namespace


class RemoteClusterNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f'remote cluster "{name}" is not attached')


@dataclass
class RemoteCluster:
    alias: str
    urls: list[str]
    uuid: str = ""
    primary: str = ""
    smap_version: int = 0
    targets: int = 0
    online: bool = False
    last_seen_ns: int = 0

    def to_json(self) -> dict[str, Any]:
        """AIS RemAis shape (plus our last-seen time)."""
        return {"url": self.urls[0] if self.urls else "", "urls": self.urls, "alias": self.alias,
                "uuid": self.uuid, "primary": self.primary, "smap": self.smap_version,
                "targets": self.targets, "online": self.online,
                "last_seen_ns": self.last_seen_ns}


def _probe(url: str, timeout: float) -> dict[str, Any]:
    with urllib.request.urlopen(url.rstrip("/") + "/v1/daemon?what=smap", timeout=timeout) as r:
        return json.loads(r.read())


@dataclass
class RemoteClusters:
    path: Path
    timeout_s: float = 3.0
    clusters: dict[str, RemoteCluster] = field(default_factory=dict)
    version: int = 0

    def load(self) -> None:
        got = versioned.load(self.path)
        if got is None:
            return
        self.version, body = got
        self.clusters = {c["alias"]: RemoteCluster(**c) for c in body.get("clusters", [])}

    def _save(self) -> None:
        self.version += 1
        versioned.save(self.path, self.version,
                       {"clusters": [asdict(c) for c in self.clusters.values()]})

    async def _refresh(self, c: RemoteCluster) -> RemoteCluster:
        for url in c.urls:
            try:
                smap = await run_blocking(_probe, url, self.timeout_s)
            except (OSError, ValueError):
                continue
            c.uuid = str(smap.get("uuid") or c.uuid)
            c.primary = str((smap.get("proxy_si") or {}).get("daemon_id", ""))
            c.smap_version = int(smap.get("version") or 0)
            c.targets = len(smap.get("tmap") or {})
            c.online = True
            c.last_seen_ns = time.time_ns()
            return c
        c.online = False
        return c

    async def attach(self, alias: str, urls: list[str]) -> RemoteCluster:
        if not alias or "/" in alias or "#" in alias or "@" in alias:
            raise InvalidRequest(f'invalid remote cluster alias "{alias}"')
        for u in urls:
            if not u.startswith(("http://", "https://")):
                raise InvalidRequest(f'invalid remote cluster URL "{u}"')
        old = self.clusters.get(alias) or next(
            (c for c in self.clusters.values() if c.uuid == alias), None)
        if old is not None and old.uuid == alias:  # `UUID=URL` re-attach keeps the alias
            alias = old.alias
        c = RemoteCluster(alias, list(dict.fromkeys(urls)), uuid=old.uuid if old else "")
        await self._refresh(c)
        if old is not None and old.alias != alias:
            del self.clusters[old.alias]
        self.clusters[alias] = c
        self._save()
        return c

    def detach(self, name: str) -> RemoteCluster:
        c = self.find(name)
        del self.clusters[c.alias]
        self._save()
        return c

    def find(self, name: str) -> RemoteCluster:
        """By alias or UUID."""
        if name in self.clusters:
            return self.clusters[name]
        for c in self.clusters.values():
            if c.uuid and c.uuid == name:
                return c
        raise RemoteClusterNotFound(name)

    async def show(self) -> list[RemoteCluster]:
        await asyncio.gather(*(self._refresh(c) for c in self.clusters.values()))
        if self.clusters:
            self._save()
        return sorted(self.clusters.values(), key=lambda c: c.alias)

    def urls_for(self, ns_uuid: str) -> list[str]:
        return self.find(ns_uuid).urls

    def canonical(self, bck: Bucket) -> Bucket:
        """`ais://@alias/b` -> `ais://@<uuid>/b`, also `s3://@alias/b` (unchanged when the
        alias is unknown or the bucket is not in a remote cluster's namespace)."""
        if not bck.ns.uuid:
            return bck
        try:
            c = self.find(bck.ns.uuid)
        except RemoteClusterNotFound:
            return bck
        if c.uuid and c.uuid != bck.ns.uuid:
            return Bucket(bck.name, bck.provider, Namespace(c.uuid, bck.ns.name))
        return bck
