"""The set of services one node offers to its front ends (built by `node.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..backends.registry import Backends
from ..jobs.base import JobRegistry
from .proxy.buckets import BucketService
from .proxy.cluster_admin import ClusterInfo
from .proxy.multi_object import MultiObjectService
from .proxy.remote_clusters import RemoteClusters
from .target.listing import Lister
from .target.multipart import MultipartService
from .target.objects import ObjectService
from .target.remote import RemoteObjects


@dataclass
class Services:
    cfg: Config
    objects: ObjectService
    lister: Lister
    multipart: MultipartService
    buckets: BucketService
    multi: MultiObjectService
    jobs: JobRegistry
    cluster: ClusterInfo
    remote: RemoteObjects
    backends: Backends
    remotes: RemoteClusters
