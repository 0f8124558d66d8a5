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
