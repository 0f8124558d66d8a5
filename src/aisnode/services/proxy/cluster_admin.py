"""Cluster-level facts [AIS Smap, cluster config, node status] for a single-node cluster:
one proxy and one target in the same process, sharing the public URL."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from ...config import Config
from ...core.meta import placement
from ...core.storage.mountpaths import Mountpaths


@dataclass
class ClusterInfo:
    cfg: Config
    mountpaths: Mountpaths
    uuid: str
    proxy_id: str
    target_id: str
    started_ns: int = field(default_factory=time.time_ns)
    smap_version: int = 1

    def _snode(self, daemon_id: str, kind: str) -> dict[str, Any]:
        url = self.cfg.local.url()
        host = url.split("://", 1)[-1].rsplit(":", 1)
        net = {"node_ip_addr": host[0], "daemon_port": host[1] if len(host) > 1 else "80",
               "direct_url": url}
        return {
            "daemon_id": daemon_id, "daemon_type": kind, "public_net": net,
            "intra_control_net": net, "intra_data_net": net, "flags": 0,
            "id_digest": placement.digest(daemon_id),
        }

    def smap(self) -> dict[str, Any]:
        p = self._snode(self.proxy_id, "proxy")
        return {
            "tmap": {self.target_id: self._snode(self.target_id, "target")},
            "pmap": {self.proxy_id: p},
            "proxy_si": p,
            "uuid": self.uuid,
            "creation_time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(
                self.started_ns / 1e9)),
            "version": str(self.smap_version),
        }

    def node_status(self) -> dict[str, Any]:
        load = os.getloadavg()
        return {
            "snode": self._snode(self.target_id, "target"),
            "uptime_ns": time.time_ns() - self.started_ns,
            "capacity": self.mountpaths.capacity(),
            "sys_info": {"load_avg": {"one": load[0], "five": load[1], "fifteen": load[2]},
                         "pid": os.getpid()},
            "version": "aisnode",
        }
