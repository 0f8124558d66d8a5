"""Composition root: builds a node (proxy + target in one process) from config; start/stop.

The only module that knows every layer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
from pathlib import Path

from aiohttp import web

from .api.app import make_app
from .api.keys import READY
from .config import Config
from .errors import AisError
from .core.meta import versioned
from .core.meta.bucket_map import BucketMap
from .core.storage.mountpaths import Mountpaths
from .backends.aws import AwsBackend
from .backends.registry import Backends
from .backends.remote_ais import RemoteAisBackend
from .jobs.base import JobRegistry
from .services.context import Services
from .services.proxy.buckets import BucketService
from .services.proxy.cluster_admin import ClusterInfo
from .services.proxy.multi_object import MultiObjectService
from .services.proxy.remote_clusters import RemoteClusters
from .services.target.listing import Lister
from .services.target.multipart import MultipartService
from .services.target.objects import ObjectService
from .services.target.remote import RemoteObjects

log = logging.getLogger("aisnode")
ATIME_FLUSH_S = 30.0


def _identity(data_dir: Path) -> dict[str, str]:
    """This node's persistent ids (created on first start)."""
    path = data_dir / "meta" / "node.json"
    got = versioned.load(path)
    if got is not None:
        return got[1]
    ident = {"cluster_uuid": secrets.token_urlsafe(9).replace("-", "A").replace("_", "B"),
             "node": secrets.token_hex(4)}
    versioned.save(path, 1, ident)
    return ident


def build_services(cfg: Config) -> Services:
    data_dir = Path(cfg.local.data_dir).absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    mps = list(cfg.local.mountpaths) or [str(data_dir / "mp0")]
    mountpaths = Mountpaths(mps, cfg.cluster.min_free_bytes)
    mountpaths.check_xattrs()
    removed = mountpaths.clean_work_files()
    if removed:
        log.info("removed %d leftover work file(s)", removed)
    ident = _identity(data_dir)
    bmap = BucketMap(data_dir / "meta" / "buckets.json", ident["cluster_uuid"])
    bmap.load()
    target_id = "t" + ident["node"]
    objects = ObjectService(mountpaths, bmap, cfg.cluster, target_id)
    multipart = MultipartService(objects)
    backends = Backends(factories={
        "aws": lambda: AwsBackend(timeout_s=cfg.cluster.backend_timeout_s)})
    remotes = RemoteClusters(data_dir / "meta" / "remote_clusters.json")
    remotes.load()
    backends.register("ais", RemoteAisBackend(remotes.urls_for))
    buckets = BucketService(bmap, mountpaths, cfg.cluster, multipart, backends)
    jobs = JobRegistry(cfg.cluster.job_retention_s)
    remote = RemoteObjects(objects, backends)
    return Services(
        cfg=cfg, objects=objects, lister=Lister(mountpaths, target_id,
                                                cfg.cluster.list_page_size, objects.generation),
        multipart=multipart, buckets=buckets,
        multi=MultiObjectService(objects, buckets, jobs, remote), jobs=jobs,
        cluster=ClusterInfo(cfg, mountpaths, ident["cluster_uuid"], "p" + ident["node"],
                            target_id),
        remote=remote, backends=backends, remotes=remotes,
    )


async def _flush_atimes(services: Services) -> None:
    from .core.storage.executor import run_blocking

    while True:
        await asyncio.sleep(ATIME_FLUSH_S)
        await run_blocking(services.objects.flush_atimes)


async def serve(cfg: Config) -> None:
    """Run one node until SIGTERM/SIGINT, then shut down gracefully."""
    services = build_services(cfg)
    app = make_app(services)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, cfg.local.host, cfg.local.port, reuse_address=True,
                       backlog=1024)
    await site.start()
    app[READY][0] = True
    log.info("aisnode ready on %s (pid %d, mountpaths: %s)", cfg.local.url(), os.getpid(),
             ", ".join(m.path for m in services.objects.mountpaths.all))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    flusher = asyncio.create_task(_flush_atimes(services))
    for alias, urls in cfg.cluster.remote_clusters.items():
        try:
            await services.remotes.attach(alias, list(urls))
        except AisError as e:
            log.warning("remote cluster %s: %s", alias, e.message)
    await stop.wait()
    log.info("shutting down")
    app[READY][0] = False
    flusher.cancel()
    await services.jobs.stop_all()
    await runner.cleanup()
    await services.backends.close()
    services.objects.flush_atimes()
    log.info("stopped")
