"""Values the client returns: object attributes, cluster nodes, and the progress callback type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..wire import headers as H

ProgressFn = Callable[[int], None]
"""Called with the number of bytes just transferred (a delta, not a running total)."""


def _int(v: str | None) -> int:
    try:
        return int(v) if v else 0
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class ObjectAttrs:
    """Object metadata as carried by `Ais-*` headers of GET/HEAD/PUT replies."""

    size: int = 0
    checksum_type: str = ""
    checksum_value: str = ""
    atime_ns: int = 0
    version: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    present: bool | None = None
    location: str = ""
    copies: int = 0
    mirror_paths: list[str] = field(default_factory=list)

    @classmethod
    def from_headers(cls, hdrs: Mapping[str, str], *, size: int | None = None) -> ObjectAttrs:
        """Read the attributes; `hdrs` may be a multidict (one custom pair per line)."""
        custom: dict[str, str] = {}
        getall = getattr(hdrs, "getall", None)
        raw_custom = getall(H.CUSTOM_MD, []) if getall else [hdrs.get(H.CUSTOM_MD, "")]
        for line in raw_custom:
            for pair in (line or "").split(","):
                k, sep, v = pair.partition("=")
                if sep and k.strip():
                    custom[k.strip()] = v.strip()
        present = hdrs.get(H.PRESENT)
        paths = hdrs.get(H.MIRROR_PATHS, "").strip("[]")
        return cls(
            size=size if size is not None else _int(hdrs.get("Content-Length")),
            checksum_type=hdrs.get(H.CHECKSUM_TYPE, ""),
            checksum_value=hdrs.get(H.CHECKSUM_VALUE, ""),
            atime_ns=_int(hdrs.get(H.ATIME)),
            version=hdrs.get(H.VERSION, ""),
            custom=custom,
            present=None if present is None else present.lower() == "true",
            location=hdrs.get(H.LOCATION, ""),
            copies=_int(hdrs.get(H.MIRROR_COPIES)),
            mirror_paths=[p for p in paths.replace(",", " ").split() if p],
        )


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One node of the cluster map [AIS Snode]."""

    node_id: str
    role: str
    url: str
    flags: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> NodeInfo:
        pub = doc.get("public_net") or {}
        url = pub.get("direct_url") or ""
        if not url and pub.get("node_ip_addr"):
            url = f"http://{pub['node_ip_addr']}:{pub.get('daemon_port', '')}"
        return cls(
            node_id=str(doc.get("daemon_id", "")),
            role=str(doc.get("daemon_type", "")),
            url=str(url),
            flags=int(doc.get("flags") or 0),
            extra=dict(doc),
        )


@dataclass(frozen=True, slots=True)
class ClusterMap:
    """The parts of the cluster map [AIS Smap] the CLI shows."""

    uuid: str
    version: str
    primary_id: str
    proxies: list[NodeInfo]
    targets: list[NodeInfo]
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ClusterMap:
        def nodes(key: str) -> list[NodeInfo]:
            m = doc.get(key) or {}
            return sorted((NodeInfo.from_json(v) for v in m.values()), key=lambda n: n.node_id)

        primary = doc.get("proxy_si") or {}
        return cls(
            uuid=str(doc.get("uuid", "")),
            version=str(doc.get("version", "")),
            primary_id=str(primary.get("daemon_id", "")),
            proxies=nodes("pmap"),
            targets=nodes("tmap"),
            raw=dict(doc),
        )


def _snap_int(v: Any) -> int:
    """A counter of a job snapshot; AIS sends them as strings."""
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        return 0


GO_ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class RemoteCluster:
    """One attached remote cluster [AIS RemAis], from `GET /v1/daemon?what=remote`.

    `online` is False for a cluster that could not be reached; the other facts are then the last
    ones known (empty/zero if it was never reached).
    """

    alias: str
    url: str
    urls: list[str] = field(default_factory=list)
    uuid: str = ""
    primary: str = ""
    smap_version: int = 0
    targets: int = 0
    online: bool = False
    last_seen_ns: int = 0

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RemoteCluster:
        smap = doc.get("smap")
        primary = doc.get("primary") or ""
        targets = doc.get("targets")
        if isinstance(smap, Mapping):  # upstream AIS sends the whole cluster map
            primary = primary or (smap.get("proxy_si") or {}).get("daemon_id", "")
            targets = targets if targets is not None else len(smap.get("tmap") or {})
            smap = smap.get("version")
        url = str(doc.get("url") or "")
        urls = [str(u) for u in doc.get("urls") or ([url] if url else [])]
        online = doc.get("online")
        return cls(
            alias=str(doc.get("alias") or ""),
            url=url or (urls[0] if urls else ""),
            urls=urls,
            uuid=str(doc.get("uuid") or ""),
            primary=str(primary),
            smap_version=_snap_int(smap),
            targets=_snap_int(targets),
            online=bool(online) if online is not None else bool(smap),
            last_seen_ns=_snap_int(doc.get("last_seen_ns")),
        )


@dataclass(frozen=True, slots=True)
class JobSnap:
    """One node's snapshot of a job [AIS core.Snap], from `GET /v1/cluster?what=qryxstats`."""

    node_id: str
    id: str
    kind: str
    objs: int = 0  # loc-objs: objects the job has processed on this node
    bytes: int = 0  # loc-bytes
    in_objs: int = 0
    in_bytes: int = 0
    out_objs: int = 0
    out_bytes: int = 0
    start_time: str = ""
    end_time: str = ""
    is_idle: bool = False
    aborted: bool = False
    err: str = ""

    @property
    def finished(self) -> bool:
        return bool(self.end_time) and self.end_time != GO_ZERO_TIME

    @classmethod
    def from_json(cls, node_id: str, doc: Mapping[str, Any]) -> JobSnap:
        st = doc.get("stats") or {}
        return cls(
            node_id=node_id,
            id=str(doc.get("id") or ""),
            kind=str(doc.get("kind") or ""),
            objs=_snap_int(st.get("loc-objs")),
            bytes=_snap_int(st.get("loc-bytes")),
            in_objs=_snap_int(st.get("in-objs")),
            in_bytes=_snap_int(st.get("in-bytes")),
            out_objs=_snap_int(st.get("out-objs")),
            out_bytes=_snap_int(st.get("out-bytes")),
            start_time=str(doc.get("start-time") or ""),
            end_time=str(doc.get("end-time") or ""),
            is_idle=bool(doc.get("is_idle")),
            aborted=bool(doc.get("aborted")),
            err=str(doc.get("err") or doc.get("abort-err") or ""),
        )


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A job's progress summed over the nodes' snapshots (what a progress bar shows)."""

    job_id: str
    snaps: list[JobSnap] = field(default_factory=list)

    @property
    def objs(self) -> int:
        return sum(s.objs for s in self.snaps)

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.snaps)

    @property
    def kind(self) -> str:
        return next((s.kind for s in self.snaps if s.kind), "")


JobProgressFn = Callable[[JobProgress], None]
"""Called while waiting for a job with its latest progress (and once more when it has ended)."""
